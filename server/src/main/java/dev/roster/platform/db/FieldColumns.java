package dev.roster.platform.db;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A resource's fields and the column each is read from, so that a read mask narrows the SQL
 * select list and not just the response.
 */
public final class FieldColumns {
  private final String always;
  private final Map<String, String> byField;

  private FieldColumns(String always, Map<String, String> byField) {
    this.always = always;
    this.byField = Collections.unmodifiableMap(byField);
  }

  /**
   * @param always the columns every row needs (ids), selected first
   * @param pairs field, column, field, column...: the fields a read mask may name, in select order
   */
  public static FieldColumns of(String always, String... pairs) {
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException("field and column come in pairs");
    }
    Map<String, String> byField = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      byField.put(pairs[i], pairs[i + 1]);
    }
    return new FieldColumns(always, byField);
  }

  /** The always columns, then the column of each field in {@code fields} (all when empty). */
  public String select(Set<String> fields) {
    List<String> columns = new ArrayList<>(List.of(always));
    byField.forEach((field, column) -> {
      if (fields.isEmpty() || fields.contains(field)) {
        columns.add(column);
      }
    });
    return String.join(", ", columns);
  }

  /** Every column. */
  public String all() {
    return select(Set.of());
  }
}
