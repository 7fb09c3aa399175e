package dev.roster.platform.query;

/**
 * A field callers may order by.
 *
 * @param name the API name, as written in {@code order_by}
 * @param sql a trusted SQL expression chosen by the context (never client text)
 * @param type how its values are read back for a page token
 */
public record SortField(String name, String sql, Type type) {
  /** The id: every order's final tie-breaker (UUIDv7, so it also follows creation). */
  public static final SortField ID = new SortField("id", "id", Type.UUID);
  /** The creation time, the default order of every list. */
  public static final SortField CREATE_TIME = new SortField("create_time", "create_time", Type.TIMESTAMP);

  /** The Java type a sort value has in a keyset position. */
  public enum Type { STRING, TIMESTAMP, UUID }
}
