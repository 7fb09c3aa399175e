package dev.roster.platform.query;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The whitelisted filterable fields of one resource; anything else in a filter is rejected. */
public final class FilterSchema {
  private final Map<String, FilterField> fields;

  private FilterSchema(Map<String, FilterField> fields) {
    this.fields = fields;
  }

  /** A schema of these fields, in this order; names must be distinct. */
  public static FilterSchema of(FilterField... fields) {
    Map<String, FilterField> byName = new LinkedHashMap<>();
    for (FilterField field : fields) {
      if (byName.putIfAbsent(field.name(), field) != null) {
        throw new IllegalArgumentException("filter field defined twice: " + field.name());
      }
    }
    return new FilterSchema(byName);
  }

  public Optional<FilterField> field(String name) {
    return Optional.ofNullable(fields.get(name));
  }

  /** The field names, in declaration order. */
  public List<String> names() {
    return List.copyOf(fields.keySet());
  }
}
