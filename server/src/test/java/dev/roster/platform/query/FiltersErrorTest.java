package dev.roster.platform.query;

import static dev.roster.platform.query.TestSchemas.compile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.roster.platform.errors.FieldViolation;
import dev.roster.platform.errors.InvalidArgumentException;
import java.util.Collections;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FiltersErrorTest {

  /** Compiles, expects failure, and returns the single violation after checking field and reason. */
  private static FieldViolation violation(String filter, String reason) {
    InvalidArgumentException e = catchThrowableOfType(InvalidArgumentException.class, () -> compile(filter));
    assertThat(e).as("error for %s", filter).isNotNull();
    assertThat(e.violations()).hasSize(1);
    FieldViolation v = e.violations().get(0);
    assertThat(v.field()).isEqualTo("filter");
    assertThat(v.reason()).as("reason of %s (%s)", filter, v.description()).isEqualTo(reason);
    assertThat(e.reason()).isEqualTo(reason);
    return v;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "handle = ada)                | unexpected \")\" at position 13; it closes no \"(\"",
      "()                           | unexpected \")\" at position 2; expected a field name",
      "(handle = a                  | unexpected end of filter at position 12; expected \")\" to close the \"(\" at position 1",
      "(handle = a OR (state = ACTIVE) | unexpected end of filter at position 32; expected \")\" to close the \"(\" at position 1",
      "`handle = `                  | unexpected end of filter at position 10; expected a value after \"=\"",
      "handle ada                   | unexpected \"ada\" at position 8; expected one of = != < <= > >= after \"handle\"",
      "= ada                        | unexpected \"=\" at position 1; expected a field name",
      "handle == ada                | unexpected \"=\" at position 9; expected a value after \"=\"",
      "handle = (a)                 | unexpected \"(\" at position 10; expected a value after \"=\"",
      "handle <> ada                | unexpected \">\" at position 9; expected a value after \"<\"",
      "handle = \"ada               | unterminated string starting at position 10",
      "handle = 'ada\\'             | unterminated string starting at position 10",
      "handle = \"a\\qb\"           | unknown escape \"\\\\q\" at position 12; supported escapes are",
      "handle = \"\\u12\"           | invalid \\u escape at position 11; expected four hex digits",
      "handle ! ada                 | unexpected \"!\" at position 8; did you mean \"!=\"?",
      "handle: ada                  | unexpected \":\" at position 7; the \":\" operator is not supported",
      "create_time > 2024-01-01T00:00:00Z | unexpected \":\" at position 28",
      "handle = a and handle = b    | unexpected \"handle\" at position 16; expected one of = != < <= > >= after \"and\" (AND, OR and NOT are keywords only in upper case)",
      "AND handle = a               | unexpected \"AND\" at position 1; expected a field name",
      "handle = a AND               | unexpected end of filter at position 15; expected a field name",
      "handle = a OR OR handle = b  | unexpected \"OR\" at position 15",
      "NOT NOT handle = a           | unexpected \"NOT\" at position 5",
      "- -handle = a                | unexpected \"-\" at position 3",
      "\"handle\" = a               | unexpected \"\\\"handle\\\"\" at position 1; expected a field name",
      "user.handle = a              | unexpected \"user.handle\" at position 1; expected a field name",
      "hand* = a                    | unexpected \"hand*\" at position 1",
      "display_name = \"\uD83D\uDE00\uD83D\uDE00\" )   | unexpected \")\" at position 21"})
  void syntaxErrors_sayWhatAndWhere(String filter, String message) {
    assertThat(violation(filter, Filters.INVALID_FILTER).description()).startsWith(message);
  }

  @Test
  void unknownField_listsTheFilterableFields() {
    assertThat(violation("handle = a AND nickname = b", Filters.UNKNOWN_FILTER_FIELD).description()).isEqualTo(
        "unknown field \"nickname\" at position 16; filterable fields are: handle, email, display_name, create_time, state");
    // Field names are case-sensitive.
    assertThat(violation("Handle = a", Filters.UNKNOWN_FILTER_FIELD).description()).startsWith("unknown field \"Handle\" at position 1");
  }

  @Test
  void syntaxErrors_winOverUnknownFields() {
    violation("nickname = a )", Filters.INVALID_FILTER);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "create_time > \"yesterday\"                  | invalid timestamp \"\\\"yesterday\\\"\" for field create_time at position 15; expected an RFC 3339",
      "create_time > 2024                         | invalid timestamp \"2024\" for field create_time at position 15",
      "create_time > \"2024-02-30T00:00:00Z\"       | at position 15",
      "create_time > \"2023-02-29T00:00:00Z\"       | at position 15",
      "create_time > \"2024-01-01T00:00Z\"          | at position 15",
      "create_time > \"2024-01-01 00:00:00Z\"       | at position 15",
      "create_time > \"2024-01-01T00:00:00\"        | at position 15",
      "create_time > \"2024-01-01T24:00:00Z\"       | at position 15",
      "create_time > \"2024-01-01T00:00:00+25:00\"  | at position 15",
      "create_time > \"2024-01-01T00:00:00+0100\"   | at position 15",
      "create_time > \"2024-01-01T00:00:00.Z\"      | at position 15",
      "create_time > \"24-01-01T00:00:00Z\"         | at position 15",
      "create_time > \"0000-12-31T23:59:59Z\"       | timestamp \"\\\"0000-12-31T23:59:59Z\\\"\" out of range for field create_time at position 15; timestamps run from 0001-01-01T00:00:00Z",
      "create_time > \"0001-01-01T00:00:00+00:01\"  | out of range for field create_time at position 15",
      "create_time > \"9999-12-31T23:59:59-00:01\"  | out of range for field create_time at position 15",
      "create_time = \"2024*\"                      | wildcard in \"\\\"2024*\\\"\" at position 15; a trailing * (prefix match) is only allowed on text fields",
      "state = active                             | unknown value \"active\" for field state at position 9; allowed values are: ACTIVE, DELETED, SUSPENDED",
      "state = \"ACTIVE \"                        | unknown value \"\\\"ACTIVE \\\"\" for field state at position 9",
      "state = ACT*                               | wildcard in \"ACT*\" at position 9",
      "state > ACTIVE                             | operator \">\" cannot compare field state at position 7; it is an enumeration; use = or !=",
      "state <= ACTIVE                            | operator \"<=\" cannot compare field state at position 7",
      "handle > ad*                               | wildcard in \"ad*\" at position 10; a trailing * (prefix match) only works with = or !=",
      "email <= \"ad*\"                           | wildcard in \"\\\"ad*\\\"\" at position 10",
      "handle = \"a\\u0000b\"                     | invalid value \"\\\"a\\\\u0000b\\\"\" at position 10; values cannot contain NUL"})
  void badValues_sayWhatAndWhere(String filter, String message) {
    assertThat(violation(filter, Filters.INVALID_FILTER_VALUE).description()).contains(message);
  }

  @Test
  void maxTerms_twentyCompile_twentyOneDoNot() {
    String twenty = IntStream.range(0, Filters.MAX_TERMS).mapToObj(i -> "handle = h" + i).collect(Collectors.joining(" OR "));
    assertThat(compile(twenty).params()).hasSize(Filters.MAX_TERMS);
    String description = violation(twenty + " OR state = ACTIVE", Filters.FILTER_TOO_COMPLEX).description();
    assertThat(description).isEqualTo("too many comparisons: comparison 21 starts at position "
        + (twenty.length() + 5) + "; at most 20 comparisons are allowed");
  }

  @Test
  void maxTerms_countsNegatedAndNestedComparisonsToo() {
    String many = IntStream.range(0, 21).mapToObj(i -> "(NOT handle = h" + i + ")").collect(Collectors.joining(" "));
    violation(many, Filters.FILTER_TOO_COMPLEX);
  }

  @Test
  void maxLength_isCountedInCharacters() {
    String prefix = "display_name = \"";
    String atLimit = prefix + "x".repeat(Filters.MAX_LENGTH - prefix.length() - 1) + "\"";
    assertThat(atLimit).hasSize(Filters.MAX_LENGTH);
    assertThatCode(() -> compile(atLimit)).doesNotThrowAnyException();
    assertThat(violation(atLimit + " ", Filters.FILTER_TOO_COMPLEX).description())
        .isEqualTo("filter too long at position 2001; it has 2001 characters and at most 2000 are allowed");
    // An emoji is one character, although Java needs two chars for it.
    String emoji = prefix + "\uD83D\uDE00".repeat(Filters.MAX_LENGTH - prefix.length() - 1) + "\"";
    assertThatCode(() -> compile(emoji)).doesNotThrowAnyException();
    violation("x".repeat(1_000_000), Filters.FILTER_TOO_COMPLEX);
  }

  @Test
  void nesting_upToMaxDepthCompiles_deeperIsTooComplex() {
    int depth = Filters.MAX_DEPTH;
    String ok = "(".repeat(depth) + "handle = a" + ")".repeat(depth);
    assertThat(TestSchemas.sql(ok)).isEqualTo("(handle = :f0)");
    String alternating = String.join("", Collections.nCopies(depth, "NOT (handle = a OR ")) + "state = ACTIVE"
        + ")".repeat(depth);
    assertThat(alternating.length()).isLessThan(Filters.MAX_LENGTH);
    assertThat(violation(alternating, Filters.FILTER_TOO_COMPLEX).description()).contains("comparison 21");
    String tooDeep = "(".repeat(depth + 1) + "handle = a" + ")".repeat(depth + 1);
    assertThat(violation(tooDeep, Filters.FILTER_TOO_COMPLEX).description())
        .isEqualTo("too deeply nested \"(\" at position 33; at most 32 levels of parentheses are allowed");
  }

  @Test
  void nesting_asDeepAsTheLengthAllows_failsCleanly() {
    violation("(".repeat(Filters.MAX_LENGTH), Filters.FILTER_TOO_COMPLEX);
    violation("-(".repeat(Filters.MAX_LENGTH / 2), Filters.FILTER_TOO_COMPLEX);
    violation(")".repeat(Filters.MAX_LENGTH), Filters.INVALID_FILTER);
    violation("NOT ".repeat(Filters.MAX_LENGTH / 4), Filters.INVALID_FILTER);
  }

  @Test
  void descriptions_truncateLongClientText() {
    String longName = "n".repeat(1500);
    String description = violation(longName + " = a", Filters.UNKNOWN_FILTER_FIELD).description();
    assertThat(description).startsWith("unknown field \"" + "n".repeat(40) + "...\" at position 1;")
        .doesNotContain("n".repeat(41));
    String value = violation("state = " + "V".repeat(1500), Filters.INVALID_FILTER_VALUE).description();
    assertThat(value).doesNotContain("V".repeat(41)).hasSizeLessThan(200);
  }

  @Test
  void descriptions_neutraliseControlAndFormatCharacters() {
    String description = violation("state = \"A\\nB\u0007C\u202ED\u2028E\uD800\"", Filters.INVALID_FILTER_VALUE)
        .description();
    assertThat(description).contains("\\u0007", "\\u202E", "\\u2028", "\\uD800", "\\\\n");
    assertThat(description.codePoints()).noneMatch(cp -> Character.isISOControl(cp)
        || Character.getType(cp) == Character.FORMAT || Character.getType(cp) == Character.SURROGATE
        || cp == 0x2028);
    String raw = violation("state = \"A\nB\u001b[31m\"", Filters.INVALID_FILTER_VALUE).description();
    assertThat(raw).contains("A\\u000AB\\u001B[31m").doesNotContain("\n", "\u001b");
  }
}
