package dev.roster.platform.query;

import dev.roster.platform.errors.InvalidArgumentException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Compiles list filters (a subset of AIP-160, https://google.aip.dev/160) to parameterised SQL
 * over a resource's whitelisted fields.
 *
 * <p>Supported: comparisons {@code field OP value} with = != < <= > >=; values as bare words or
 * quoted strings (escapes \" \' \\ \n \r \t \* and backslash-u with four hex digits); a trailing
 * unescaped {@code *} on a text value for a prefix match with = or != (compiled to
 * {@code LIKE :p ESCAPE '!'}); AND, OR, NOT, {@code -} (not), parentheses and implicit AND by
 * juxtaposition, with AIP-160 precedence: {@code a AND b OR c} is {@code a AND (b OR c)}. A
 * comparison with a NULL column is never true, negated or not.
 *
 * <p>Errors are {@link InvalidArgumentException}s on field {@code filter} with reason
 * {@link #INVALID_FILTER}, {@link #UNKNOWN_FILTER_FIELD}, {@link #INVALID_FILTER_VALUE} or
 * {@link #FILTER_TOO_COMPLEX}, and a description that names the 1-based character position.
 */
public final class Filters {
  public static final int MAX_LENGTH = 2000;
  public static final int MAX_TERMS = 20;
  /** Levels of parentheses; bounds the parser's recursion. */
  public static final int MAX_DEPTH = 32;

  /** Syntax error: unexpected token, unterminated string, unknown escape. */
  public static final String INVALID_FILTER = "INVALID_FILTER";
  /** A field that is not in the resource's schema. */
  public static final String UNKNOWN_FILTER_FIELD = "UNKNOWN_FILTER_FIELD";
  /** A value or operator that does not fit the field's type. */
  public static final String INVALID_FILTER_VALUE = "INVALID_FILTER_VALUE";
  /** Longer than MAX_LENGTH, more than MAX_TERMS comparisons, or deeper than MAX_DEPTH. */
  public static final String FILTER_TOO_COMPLEX = "FILTER_TOO_COMPLEX";

  private static final Pattern PARAM_PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private Filters() {}

  /**
   * Parses {@code filter} and compiles it against {@code schema}.
   *
   * @param filter the client's filter; null, empty or blank means no filter
   * @param paramPrefix parameter names are this plus 0, 1, 2... in order of appearance
   * @return a fully parenthesised SQL boolean, or {@link SqlFragment#TRUE} for no filter
   * @throws InvalidArgumentException if the filter is malformed, names an unknown field, has a
   *     value of the wrong type, or is too long or complex
   */
  public static SqlFragment compile(String filter, FilterSchema schema, String paramPrefix) {
    Objects.requireNonNull(schema, "schema");
    if (paramPrefix == null || !PARAM_PREFIX.matcher(paramPrefix).matches()) {
      throw new IllegalArgumentException("paramPrefix must be an identifier: " + paramPrefix);
    }
    if (filter == null || filter.isBlank()) {
      return SqlFragment.TRUE;
    }
    int length = filter.codePointCount(0, filter.length());
    if (length > MAX_LENGTH) {
      throw InvalidArgumentException.of(FilterErrors.FIELD, FILTER_TOO_COMPLEX,
          "filter too long at position " + (MAX_LENGTH + 1) + "; it has " + length
              + " characters and at most " + MAX_LENGTH + " are allowed");
    }
    FilterErrors errors = new FilterErrors(filter);
    return SqlCompiler.compile(Parser.parse(filter, errors), schema, paramPrefix, errors);
  }
}
