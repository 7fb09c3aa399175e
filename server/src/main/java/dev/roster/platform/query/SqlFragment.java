package dev.roster.platform.query;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A parameterised SQL boolean expression, fully parenthesised so it can be joined to other
 * conditions with AND. Parameters are named and referenced in {@code sql} as {@code :name}.
 */
public record SqlFragment(String sql, Map<String, Object> params) {
  public static final SqlFragment TRUE = new SqlFragment("true", Map.of());

  public SqlFragment {
    Objects.requireNonNull(sql, "sql");
    // Insertion order kept: parameters read in the order they appear in the SQL.
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }
}
