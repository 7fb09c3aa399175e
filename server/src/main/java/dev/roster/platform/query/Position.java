package dev.roster.platform.query;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * A keyset position: the sort values of the last row of a page, then its id, in the order of the
 * {@link Ordering} that produced it. Page tokens carry it; the next page continues after it.
 *
 * @param values one typed value per ordering key
 */
public record Position(List<Value> values) {
  public Position {
    values = List.copyOf(values);
  }

  /** A position of these values, in order. */
  public static Position of(Value... values) {
    return new Position(List.of(values));
  }

  /** One typed sort value. Closed: a token can only hold what a SortField can order by. */
  public sealed interface Value permits Text, Timestamp, Uuid, Int64 {
    /** The Java value. */
    Object value();

    /** Whether this value can stand for a key of {@code type}. */
    default boolean fits(SortField.Type type) {
      return switch (type) {
        case STRING -> this instanceof Text;
        case TIMESTAMP -> this instanceof Timestamp;
        case UUID -> this instanceof Uuid;
      };
    }

    /** The value to bind as a SQL parameter: a timestamp as a UTC timestamptz. */
    default Object sql() {
      return this instanceof Timestamp t ? t.value().atOffset(ZoneOffset.UTC) : value();
    }
  }

  /** A text value (STRING keys). */
  public record Text(String value) implements Value {}

  /** A point in time (TIMESTAMP keys). */
  public record Timestamp(Instant value) implements Value {}

  /** A UUID (the id tie-breaker). */
  public record Uuid(UUID value) implements Value {}

  /**
   * A 64-bit integer. The token format has always been able to carry one; no sort field orders by
   * one yet, so it fits no key.
   */
  public record Int64(Long value) implements Value {}
}
