package dev.roster.platform.query;

import static dev.roster.platform.query.TestSchemas.compile;
import static dev.roster.platform.query.TestSchemas.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class FiltersCompileTest {

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   ", "\t\n"})
  void compile_emptyOrBlank_isTrue(String filter) {
    assertThat(compile(filter)).isSameAs(SqlFragment.TRUE);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "handle = ada   | (handle = :f0)",
      "handle != ada  | (handle <> :f0)",
      "handle < ada   | (handle < :f0)",
      "handle <= ada  | (handle <= :f0)",
      "handle > ada   | (handle > :f0)",
      "handle >= ada  | (handle >= :f0)",
      "handle=ada     | (handle = :f0)",
      "handle>=ada    | (handle >= :f0)"})
  void compile_eachOperatorOnString_bindsTheValue(String filter, String expected) {
    SqlFragment fragment = compile(filter);
    assertThat(fragment.sql()).isEqualTo(expected);
    assertThat(fragment.params()).containsExactly(entry("f0", "ada"));
  }

  @Test
  void compile_quotedStrings_doubleAndSingle() {
    assertThat(compile("display_name = \"Ada Lovelace\"").params()).containsExactly(entry("f0", "Ada Lovelace"));
    assertThat(compile("display_name = 'Ada Lovelace'").params()).containsExactly(entry("f0", "Ada Lovelace"));
    assertThat(compile("display_name = \"\"").params()).containsExactly(entry("f0", ""));
    assertThat(compile("display_name = 'say \"hi\"'").params()).containsExactly(entry("f0", "say \"hi\""));
  }

  @Test
  void compile_escapesInStrings_areDecoded() {
    assertThat(compile("display_name = \"a\\\"b\\\\c\\nd\\te\\rf\\'g\\u00e9\\u00C9\"").params())
        .containsExactly(entry("f0", "a\"b\\c\nd\te\rf'g\u00e9\u00c9"));
    assertThat(compile("display_name = 'it\\'s'").params()).containsExactly(entry("f0", "it's"));
  }

  @Test
  void compile_bareWords_keepPunctuationAndLeadingMinus() {
    assertThat(compile("handle = ada.lovelace@example.com").params())
        .containsExactly(entry("f0", "ada.lovelace@example.com"));
    assertThat(compile("handle = -x-y").params()).containsExactly(entry("f0", "-x-y"));
    assertThat(compile("handle = caf\u00e9").params()).containsExactly(entry("f0", "caf\u00e9"));
    // After an operator, keywords are ordinary values.
    assertThat(compile("handle = AND").params()).containsExactly(entry("f0", "AND"));
  }

  @Test
  void compile_trailingStar_isPrefixMatchWithLikeEscaping() {
    SqlFragment fragment = compile("handle = \"a%b_c!\\\\*\"");
    assertThat(fragment.sql()).isEqualTo("(handle LIKE :f0 ESCAPE '!')");
    assertThat(fragment.params()).containsExactly(entry("f0", "a!%b!_c!!\\%"));
  }

  @Test
  void compile_bareTrailingStar_isPrefixMatch() {
    SqlFragment fragment = compile("handle = ad*");
    assertThat(fragment.sql()).isEqualTo("(handle LIKE :f0 ESCAPE '!')");
    assertThat(fragment.params()).containsExactly(entry("f0", "ad%"));
  }

  @Test
  void compile_notEqualsWithStar_isNotLike() {
    SqlFragment fragment = compile("handle != 'ad*'");
    assertThat(fragment.sql()).isEqualTo("(handle NOT LIKE :f0 ESCAPE '!')");
    assertThat(fragment.params()).containsExactly(entry("f0", "ad%"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "handle = \"a*b\"    | a*b",
      "handle = \"ad\\*\"  | ad*",
      "handle = *ad        | *ad",
      "handle = \"a*b\\*\" | a*b*"})
  void compile_starNotTrailingOrEscaped_isLiteral(String filter, String value) {
    SqlFragment fragment = compile(filter);
    assertThat(fragment.sql()).isEqualTo("(handle = :f0)");
    assertThat(fragment.params()).containsExactly(entry("f0", value));
  }

  @Test
  void compile_loneStar_matchesAnyValue() {
    assertThat(compile("handle = \"*\"").params()).containsExactly(entry("f0", "%"));
  }

  @Test
  void compile_caseInsensitiveField_lowersBothSides() {
    assertThat(sql("email = Ada@Example.com")).isEqualTo("(lower(email) = lower(:f0))");
    assertThat(sql("email != x")).isEqualTo("(lower(email) <> lower(:f0))");
    assertThat(sql("email >= x")).isEqualTo("(lower(email) >= lower(:f0))");
    SqlFragment prefix = compile("email = \"Ada_*\"");
    assertThat(prefix.sql()).isEqualTo("(lower(email) LIKE lower(:f0) ESCAPE '!')");
    assertThat(prefix.params()).containsExactly(entry("f0", "Ada!_%"));
    assertThat(sql("email != Ada*")).isEqualTo("(lower(email) NOT LIKE lower(:f0) ESCAPE '!')");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "create_time > \"2024-01-31T09:30:00Z\"        | >  | 2024-01-31T09:30:00Z",
      "create_time >= '2024-01-31T09:30:00.123456Z'  | >= | 2024-01-31T09:30:00.123456Z",
      "create_time < \"2024-01-31T10:30:00+01:00\"   | <  | 2024-01-31T10:30:00+01:00",
      "create_time <= \"2024-01-31t09:30:00-05:30\"  | <= | 2024-01-31T09:30:00-05:30",
      "create_time = \"2024-02-29T23:59:59.9z\"      | =  | 2024-02-29T23:59:59.9Z",
      "create_time != \"2024-01-31T09:30:00Z\"       | <> | 2024-01-31T09:30:00Z"})
  void compile_timestamp_bindsOffsetDateTime(String filter, String sqlOp, String expected) {
    SqlFragment fragment = compile(filter);
    assertThat(fragment.sql()).isEqualTo("(create_time " + sqlOp + " :f0)");
    // Bound in UTC: the same instant, and an offset PostgreSQL always accepts.
    assertThat(fragment.params().get("f0")).isInstanceOf(OffsetDateTime.class)
        .isEqualTo(OffsetDateTime.parse(expected).withOffsetSameInstant(ZoneOffset.UTC));
  }

  @Test
  void compile_timestampWithOffset_keepsTheInstantInUtc() {
    OffsetDateTime bound = (OffsetDateTime) compile("create_time > \"2024-01-31T10:30:00+01:00\"").params().get("f0");
    assertThat(bound).isEqualTo(OffsetDateTime.of(2024, 1, 31, 9, 30, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void compile_enum_bareOrQuoted_boundAsString() {
    assertThat(compile("state = ACTIVE").params()).containsExactly(entry("f0", "ACTIVE"));
    assertThat(compile("state != \"SUSPENDED\"").sql()).isEqualTo("(state <> :f0)");
    assertThat(compile("state != \"SUSPENDED\"").params()).containsExactly(entry("f0", "SUSPENDED"));
  }

  @Test
  void compile_andOrNot_parenthesiseEverything() {
    assertThat(sql("handle = a AND state = ACTIVE")).isEqualTo("((handle = :f0) AND (state = :f1))");
    assertThat(sql("handle = a OR handle = b")).isEqualTo("((handle = :f0) OR (handle = :f1))");
    assertThat(sql("NOT handle = a")).isEqualTo("(NOT (handle = :f0))");
    assertThat(sql("-handle = a")).isEqualTo("(NOT (handle = :f0))");
    assertThat(sql("-(handle = a OR handle = b)")).isEqualTo("(NOT ((handle = :f0) OR (handle = :f1)))");
    assertThat(sql("NOT(handle = a)")).isEqualTo("(NOT (handle = :f0))");
  }

  @Test
  void compile_orBindsTighterThanAnd_asAip160Says() {
    assertThat(sql("handle = a AND handle = b OR handle = c"))
        .isEqualTo("((handle = :f0) AND ((handle = :f1) OR (handle = :f2)))");
    assertThat(sql("handle = a OR handle = b AND handle = c"))
        .isEqualTo("(((handle = :f0) OR (handle = :f1)) AND (handle = :f2))");
  }

  @Test
  void compile_notBindsTighterThanOr() {
    assertThat(sql("NOT handle = a OR handle = b")).isEqualTo("((NOT (handle = :f0)) OR (handle = :f1))");
    assertThat(sql("handle = a OR -handle = b")).isEqualTo("((handle = :f0) OR (NOT (handle = :f1)))");
  }

  @Test
  void compile_juxtaposition_isAndLooserThanOr() {
    assertThat(sql("handle = a state = ACTIVE")).isEqualTo("((handle = :f0) AND (state = :f1))");
    assertThat(sql("handle = a handle = b OR handle = c"))
        .isEqualTo("((handle = :f0) AND ((handle = :f1) OR (handle = :f2)))");
    assertThat(sql("(handle = a)(handle = b)")).isEqualTo("((handle = :f0) AND (handle = :f1))");
  }

  @Test
  void compile_parentheses_overridePrecedence() {
    assertThat(sql("(handle = a AND handle = b) OR handle = c"))
        .isEqualTo("(((handle = :f0) AND (handle = :f1)) OR (handle = :f2))");
    assertThat(sql("((((handle = a))))")).isEqualTo("(handle = :f0)");
  }

  @Test
  void compile_sameOperatorChains_areFlattened() {
    assertThat(sql("handle = a AND handle = b AND handle = c handle = d"))
        .isEqualTo("((handle = :f0) AND (handle = :f1) AND (handle = :f2) AND (handle = :f3))");
    assertThat(sql("handle = a OR (handle = b OR handle = c)"))
        .isEqualTo("((handle = :f0) OR (handle = :f1) OR (handle = :f2))");
  }

  @Test
  void compile_params_areNumberedInOrderWithThePrefix() {
    SqlFragment fragment = Filters.compile("handle = a OR state = ACTIVE email = b", TestSchemas.USERS, "filter_");
    assertThat(fragment.sql()).isEqualTo("(((handle = :filter_0) OR (state = :filter_1)) AND (lower(email) = lower(:filter_2)))");
    assertThat(fragment.params()).containsExactly(
        entry("filter_0", "a"), entry("filter_1", "ACTIVE"), entry("filter_2", "b"));
  }

  @Test
  void compile_whitespaceOfAnyKind_separatesTokens() {
    assertThat(sql(" \thandle\n=\r\na\u2003AND\tstate = ACTIVE ")).isEqualTo("((handle = :f0) AND (state = :f1))");
  }

  @Test
  void compile_schemaSqlExpression_isUsedVerbatim() {
    FilterSchema schema = FilterSchema.of(FilterField.string("name", "u.display_name"));
    assertThat(Filters.compile("name = x", schema, "p").sql()).isEqualTo("(u.display_name = :p0)");
  }

  @Test
  void compile_badParamPrefix_isAProgrammingError() {
    assertThatThrownBy(() -> Filters.compile("handle = a", TestSchemas.USERS, "f-"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void schema_keepsOrderAndRejectsDuplicatesAndBadNames() {
    assertThat(TestSchemas.USERS.names()).containsExactly("handle", "email", "display_name", "create_time", "state");
    assertThat(TestSchemas.USERS.field("state")).get().extracting(FilterField::type).isEqualTo(FieldType.ENUM);
    assertThat(TestSchemas.USERS.field("nope")).isEmpty();
    assertThatThrownBy(() -> FilterSchema.of(FilterField.string("a", "a"), FilterField.timestamp("a", "b")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FilterField.string("a.b", "a")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FilterField.enumeration("s", "s", Set.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FilterField("s", "s", FieldType.TIMESTAMP, Set.of(), true))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
