package dev.roster.platform.query;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
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
    /** Whether this value can stand for a key of {@code type}. */
    boolean fits(SortField.Type type);

    /** The value to bind as a SQL parameter. */
    Object sql();
  }

  /** A text value (STRING keys). */
  public record Text(String value) implements Value {
    public Text {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean fits(SortField.Type type) {
      return type == SortField.Type.STRING;
    }

    @Override
    public Object sql() {
      return value;
    }
  }

  /** A point in time (TIMESTAMP keys), bound as a UTC timestamptz. */
  public record Timestamp(Instant value) implements Value {
    public Timestamp {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean fits(SortField.Type type) {
      return type == SortField.Type.TIMESTAMP;
    }

    @Override
    public Object sql() {
      return value.atOffset(ZoneOffset.UTC);
    }
  }

  /** A UUID (the id tie-breaker). */
  public record Uuid(UUID value) implements Value {
    public Uuid {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean fits(SortField.Type type) {
      return type == SortField.Type.UUID;
    }

    @Override
    public Object sql() {
      return value;
    }
  }

  /**
   * A 64-bit integer. The token format has always been able to carry one; no sort field orders by
   * one yet, so it fits no key.
   */
  public record Int64(long value) implements Value {
    @Override
    public boolean fits(SortField.Type type) {
      return false;
    }

    @Override
    public Object sql() {
      return value;
    }
  }
}
