package dev.roster.platform.query;

import static dev.roster.platform.query.RandomFilters.assertTrustedSql;
import static dev.roster.platform.query.RandomFilters.javaLiteral;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.roster.platform.errors.FieldViolation;
import dev.roster.platform.errors.InvalidArgumentException;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Properties that hold for every input, checked on many random ones (fixed seeds: reproducible). */
class FiltersPropertyTest {
  private static final Set<String> REASONS = Set.of(Filters.INVALID_FILTER, Filters.UNKNOWN_FILTER_FIELD,
      Filters.INVALID_FILTER_VALUE, Filters.FILTER_TOO_COMPLEX);

  @Test
  void garbage_eitherCompilesToTrustedSqlOrIsInvalidArgument() {
    RandomFilters random = new RandomFilters(160);
    int compiled = checkAll(20_000, random::garbage);
    // The generator must exercise both outcomes, or the property says little.
    assertThat(compiled).isBetween(100, 19_000);
  }

  @Test
  void noise_eitherCompilesToTrustedSqlOrIsInvalidArgument() {
    RandomFilters random = new RandomFilters(2024);
    checkAll(20_000, random::noise);
  }

  @Test
  void mutatedValidFilters_eitherCompileToTrustedSqlOrAreInvalidArgument() {
    RandomFilters random = new RandomFilters(7);
    java.util.Random cut = new java.util.Random(7);
    checkAll(10_000, () -> {
      String text = random.valid().text();
      int from = cut.nextInt(text.length());
      int to = from + cut.nextInt(text.length() - from + 1);
      return cut.nextBoolean() ? text.substring(0, from) + text.substring(to) : text.substring(from, to);
    });
  }

  @Test
  void validFilters_compile_bindEveryValue_andKeepClientTextOutOfSql() {
    RandomFilters random = new RandomFilters(42);
    for (int i = 0; i < 5_000; i++) {
      RandomFilters.Valid filter = random.valid();
      SqlFragment fragment;
      try {
        fragment = TestSchemas.compile(filter.text());
      } catch (InvalidArgumentException e) {
        throw new AssertionError("valid filter rejected: " + javaLiteral(filter.text()) + ": " + e.getMessage(), e);
      }
      assertTrustedSql(fragment, filter.text());
      assertThat(fragment.sql()).doesNotContain(RandomFilters.SENTINEL);
      assertThat(fragment.params()).hasSize(filter.comparisons());
      assertThat(fragment.params().values()).allMatch(v -> !(v instanceof String s) || !s.contains("\0"));
    }
  }

  @Test
  void injectionAttempts_neverReachTheSql() {
    for (String value : new String[] {"x'); drop table users; --", "x\" OR \"1\"=\"1", "') OR true --",
        "x%' OR '1'='1", ":f1", "$1", "?", "x\\'", "*/ select /*"}) {
      String escaped = value.replace("\\", "\\\\").replace("\"", "\\\"").replace("*", "\\*");
      SqlFragment fragment = TestSchemas.compile("handle = \"" + escaped + "\" OR email = \"" + escaped + "*\"");
      assertTrustedSql(fragment, value);
      assertThat(fragment.params().get("f0")).isEqualTo(value);
    }
  }

  /** Compiles every generated input and checks the property; returns how many compiled. */
  private static int checkAll(int count, Supplier<String> inputs) {
    int compiled = 0;
    for (int i = 0; i < count; i++) {
      String filter = inputs.get();
      try {
        SqlFragment fragment = TestSchemas.compile(filter);
        assertTrustedSql(fragment, filter);
        compiled++;
      } catch (InvalidArgumentException e) {
        assertWellFormed(e, filter);
      } catch (RuntimeException | StackOverflowError e) {
        fail("filter " + javaLiteral(filter) + " threw " + e, e);
      }
    }
    return compiled;
  }

  private static void assertWellFormed(InvalidArgumentException e, String filter) {
    assertThat(e.violations()).hasSize(1);
    FieldViolation v = e.violations().get(0);
    assertThat(v.field()).isEqualTo("filter");
    assertThat(v.reason()).isIn(REASONS);
    assertThat(v.description()).as("description for %s", javaLiteral(filter))
        .containsPattern("at position \\d+")
        .hasSizeLessThan(600);
    assertThat(v.description().codePoints())
        .as("description for %s: %s", javaLiteral(filter), v.description())
        .noneMatch(cp -> Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT
            || Character.getType(cp) == Character.SURROGATE);
  }
}
