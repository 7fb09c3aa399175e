package dev.roster.platform.query;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One filterable field of a resource.
 *
 * @param name the name clients use in filters: letters, digits and underscores
 * @param sql a trusted SQL expression chosen by the context, such as {@code handle} or
 *     {@code create_time}; never client text
 * @param type how values are read and compared
 * @param enumValues the allowed names of an {@link FieldType#ENUM} field (sorted); empty otherwise
 * @param caseInsensitive for STRING fields: compare {@code lower(sql)} with {@code lower(value)}
 *     (an index on {@code lower(sql)} keeps that fast)
 */
public record FilterField(
    String name, String sql, FieldType type, Set<String> enumValues, boolean caseInsensitive) {
  static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public FilterField {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(type, "type");
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException("filter field name is not an identifier: " + name);
    }
    if (sql.isBlank()) {
      throw new IllegalArgumentException("filter field " + name + " has no SQL expression");
    }
    // Sorted, so error messages that list the allowed values are stable.
    enumValues = Collections.unmodifiableSet(new TreeSet<>(enumValues));
    if ((type == FieldType.ENUM) == enumValues.isEmpty()) {
      throw new IllegalArgumentException(
          "filter field " + name + ": ENUM fields, and only they, have values");
    }
    if (caseInsensitive && type != FieldType.STRING) {
      throw new IllegalArgumentException(
          "filter field " + name + ": only STRING fields can be case-insensitive");
    }
  }

  public static FilterField string(String name, String sql) {
    return new FilterField(name, sql, FieldType.STRING, Set.of(), false);
  }

  /** A string field compared as {@code lower(sql) = lower(value)}; {@code sql} is the raw column. */
  public static FilterField caseInsensitiveString(String name, String sql) {
    return new FilterField(name, sql, FieldType.STRING, Set.of(), true);
  }

  public static FilterField timestamp(String name, String sql) {
    return new FilterField(name, sql, FieldType.TIMESTAMP, Set.of(), false);
  }

  public static FilterField enumeration(String name, String sql, Set<String> values) {
    return new FilterField(name, sql, FieldType.ENUM, values, false);
  }
}
