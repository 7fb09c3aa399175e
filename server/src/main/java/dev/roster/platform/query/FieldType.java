package dev.roster.platform.query;

/** How a filterable field's values are read from a filter and compared in SQL. */
public enum FieldType {
  /** Text; supports every comparison and a trailing {@code *} for prefix matches with = and !=. */
  STRING,
  /** An instant; the value must be an RFC 3339 timestamp, bound as {@link java.time.OffsetDateTime}. */
  TIMESTAMP,
  /** One of a closed set of names, bound as a String; only = and != are allowed. */
  ENUM
}
