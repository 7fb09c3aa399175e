package dev.roster.platform.query;

/**
 * A field callers may order by.
 *
 * @param name the API name, as written in {@code order_by}
 * @param sql a trusted SQL expression chosen by the context (never client text)
 * @param type how its values are read back for a page token
 */
public record SortField(String name, String sql, Type type) {
  /** The Java type a sort value has in a keyset position. */
  public enum Type { STRING, TIMESTAMP, UUID }
}
