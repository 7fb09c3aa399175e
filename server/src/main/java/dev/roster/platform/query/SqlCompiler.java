package dev.roster.platform.query;

import dev.roster.platform.query.Expr.Comparison;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Type-checks a parsed filter against a schema and writes it as SQL. The SQL is built only from
 * the schema's trusted expressions, operators, parentheses and parameter names: every client
 * value is bound as a parameter. Every operator is parenthesised, so SQL precedence cannot change
 * the meaning of the parse.
 */
final class SqlCompiler {
  /** RFC 3339 date-time (section 5.6); java.time alone would also accept "2024-01-01T00:00Z". */
  private static final Pattern RFC_3339 = Pattern.compile(
      "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");
  private static final String TIMESTAMP_EXAMPLE = "\"2024-01-31T09:30:00Z\" or \"2024-01-31T10:30:00+01:00\"";

  private final FilterSchema schema;
  private final String paramPrefix;
  private final FilterErrors errors;
  private final StringBuilder sql = new StringBuilder();
  private final Map<String, Object> params = new LinkedHashMap<>();

  private SqlCompiler(FilterSchema schema, String paramPrefix, FilterErrors errors) {
    this.schema = schema;
    this.paramPrefix = paramPrefix;
    this.errors = errors;
  }

  static SqlFragment compile(Expr expr, FilterSchema schema, String paramPrefix, FilterErrors errors) {
    SqlCompiler compiler = new SqlCompiler(schema, paramPrefix, errors);
    compiler.write(expr);
    return new SqlFragment(compiler.sql.toString(), compiler.params);
  }

  private void write(Expr expr) {
    if (expr instanceof Expr.And and) {
      join(and.terms(), " AND ");
    } else if (expr instanceof Expr.Or or) {
      join(or.terms(), " OR ");
    } else if (expr instanceof Expr.Not not) {
      sql.append("(NOT ");
      write(not.term());
      sql.append(')');
    } else {
      comparison((Comparison) expr);
    }
  }

  private void join(List<Expr> terms, String operator) {
    sql.append('(');
    for (int i = 0; i < terms.size(); i++) {
      sql.append(i == 0 ? "" : operator);
      write(terms.get(i));
    }
    sql.append(')');
  }

  private void comparison(Comparison c) {
    FilterField field = schema.field(c.field().text()).orElseThrow(() -> errors.unknownField(
        "unknown field " + errors.quote(c.field()), c.field().start(),
        "filterable fields are: " + String.join(", ", schema.names())));
    Token value = c.value();
    String op = c.op().text();
    if (value.text().indexOf('\0') >= 0) {
      throw errors.badValue("invalid value " + errors.quote(value), value.start(),
          "values cannot contain NUL (\\u0000)");
    }
    if (value.wildcard() && field.type() != FieldType.STRING) {
      throw errors.badValue("wildcard in " + errors.quote(value), value.start(),
          "a trailing * (prefix match) is only allowed on text fields; field " + field.name()
              + " is not one");
    }
    switch (field.type()) {
      case STRING -> string(field, op, value);
      case TIMESTAMP -> emit(field.sql(), op, param(timestamp(field, value)));
      case ENUM -> {
        if (!op.equals("=") && !op.equals("!=")) {
          throw errors.badValue("operator " + errors.quote(c.op()) + " cannot compare field " + field.name(),
              c.op().start(), "it is an enumeration; use = or !=");
        }
        if (!field.enumValues().contains(value.text())) {
          throw errors.badValue("unknown value " + errors.quote(value) + " for field " + field.name(),
              value.start(), "allowed values are: " + String.join(", ", field.enumValues()));
        }
        emit(field.sql(), op, param(value.text()));
      }
    }
  }

  private void string(FilterField field, String op, Token value) {
    String column = field.caseInsensitive() ? "lower(" + field.sql() + ")" : field.sql();
    if (!value.wildcard()) {
      String param = param(value.text());
      emit(column, op, field.caseInsensitive() ? "lower(" + param + ")" : param);
      return;
    }
    if (!op.equals("=") && !op.equals("!=")) {
      throw errors.badValue("wildcard in " + errors.quote(value), value.start(),
          "a trailing * (prefix match) only works with = or !=; "
              + "escape a literal * as \\* in a quoted string");
    }
    String param = param(likeEscape(value.text()) + "%");
    String pattern = field.caseInsensitive() ? "lower(" + param + ")" : param;
    String like = op.equals("=") ? " LIKE " : " NOT LIKE ";
    sql.append('(').append(column).append(like).append(pattern).append(" ESCAPE '!')");
  }

  /**
   * Parses an RFC 3339 timestamp and moves it to UTC: PostgreSQL rejects offsets beyond 15:59, and
   * the range is that of google.protobuf.Timestamp, so every accepted value fits a timestamptz.
   */
  private OffsetDateTime timestamp(FilterField field, Token value) {
    if (RFC_3339.matcher(value.text()).matches()) {
      try {
        OffsetDateTime utc = OffsetDateTime.parse(value.text().toUpperCase(Locale.ROOT))
            .withOffsetSameInstant(ZoneOffset.UTC);
        if (utc.getYear() < 1 || utc.getYear() > 9999) {
          throw errors.badValue(
              "timestamp " + errors.quote(value) + " out of range for field " + field.name(), value.start(),
              "timestamps run from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z");
        }
        return utc;
      } catch (DateTimeException e) {
        // a well-formed but impossible date, such as February 30: reported below
      }
    }
    throw errors.badValue("invalid timestamp " + errors.quote(value) + " for field " + field.name(),
        value.start(), "expected an RFC 3339 timestamp in quotes, such as " + TIMESTAMP_EXAMPLE);
  }

  private void emit(String left, String op, String right) {
    String sqlOp = op.equals("!=") ? "<>" : op;
    sql.append('(').append(left).append(' ').append(sqlOp).append(' ').append(right).append(')');
  }

  /** Binds a value; returns its placeholder. */
  private String param(Object value) {
    String name = paramPrefix + params.size();
    params.put(name, value);
    return ":" + name;
  }

  /**
   * Escapes LIKE's special characters so the text matches only itself. The escape character is
   * {@code !}, not backslash: Jdbi's SQL parser reads {@code '\'} as an escaped quote, and with two
   * of them in one statement it swallows the named parameters in between.
   */
  static String likeEscape(String text) {
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
  }
}
