package dev.roster.platform.query;

import java.util.Optional;
import java.util.Set;

/**
 * A list request that has passed its {@link ListSpec}: the filter compiled to SQL, the order
 * parsed, the page token's position checked against it. Only a spec makes one, so holding one
 * means nothing about the request is left to reject; {@link Keyset} turns it into SQL.
 */
public final class ListPlan {
  private final int pageSize;
  private final Set<String> fields;
  private final Optional<String> liveRows;
  private final SqlFragment filter;
  private final Ordering ordering;
  private final Optional<Position> after;

  ListPlan(int pageSize, Set<String> fields, Optional<String> liveRows, SqlFragment filter,
      Ordering ordering, Optional<Position> after) {
    this.pageSize = pageSize;
    this.fields = Set.copyOf(fields);
    this.liveRows = liveRows;
    this.filter = filter;
    this.ordering = ordering;
    this.after = after;
  }

  /** Rows wanted, 1..1000. */
  public int pageSize() {
    return pageSize;
  }

  /** The resource fields to read (read mask); empty means all. */
  public Set<String> fields() {
    return fields;
  }

  /** The trusted predicate that leaves deleted rows out; empty when they are shown. */
  Optional<String> liveRows() {
    return liveRows;
  }

  SqlFragment filter() {
    return filter;
  }

  Ordering ordering() {
    return ordering;
  }

  Optional<Position> after() {
    return after;
  }
}
