package dev.roster.platform.query;

import dev.roster.platform.errors.InvalidArgumentException;
import java.util.List;
import java.util.Optional;

/**
 * What one resource's list accepts: a closed filter schema, the fields it may be ordered by and
 * its default order, and the predicate that hides deleted rows unless {@code show_deleted}. A
 * context keeps one per resource and turns every {@link ListQuery} into a {@link ListPlan} before
 * it takes a connection, so a bad request costs no database work.
 */
public final class ListSpec {
  private static final List<Ordering.Key> BY_CREATION =
      List.of(new Ordering.Key(SortField.CREATE_TIME, false));

  private final FilterSchema filters;
  private final List<SortField> sorts;
  private final Optional<String> liveRows;

  private ListSpec(FilterSchema filters, List<SortField> sorts, Optional<String> liveRows) {
    this.filters = filters;
    this.sorts = List.copyOf(sorts);
    this.liveRows = liveRows;
  }

  /** A list filtered over {@code filters}, ordered by any of {@code sorts} (default create_time). */
  public static ListSpec of(FilterSchema filters, List<SortField> sorts) {
    return new ListSpec(filters, sorts, Optional.empty());
  }

  /** A list without filter or order_by: always oldest first. */
  public static ListSpec byCreation() {
    return of(FilterSchema.of(), List.of(SortField.CREATE_TIME));
  }

  /**
   * The same list whose rows outside {@code livePredicate} (trusted SQL chosen by the context,
   * e.g. {@code delete_time is null}) are left out unless the caller asks for deleted ones.
   */
  public ListSpec hidingDeleted(String livePredicate) {
    return new ListSpec(filters, sorts, Optional.of(livePredicate));
  }

  /** The filter schema, for other uses of the same filter language (exports). */
  public FilterSchema filters() {
    return filters;
  }

  /**
   * Parses and checks everything a caller sent: order_by, then filter, then the page token's
   * position against the parsed order.
   *
   * @throws InvalidArgumentException naming {@code order_by} (INVALID_ORDER_BY,
   *     UNKNOWN_ORDER_BY_FIELD), {@code filter} (see {@link Filters}) or {@code page_token}
   *     (INVALID_PAGE_TOKEN when the position does not fit the order)
   * @throws IllegalArgumentException if the page size is outside 1..1000 (the edge bounds it)
   */
  public ListPlan plan(ListQuery query) {
    if (query.pageSize() < 1 || query.pageSize() > 1000) {
      throw new IllegalArgumentException("page size out of range: " + query.pageSize());
    }
    Ordering ordering = Ordering.parse(query.orderBy(), sorts, SortField.ID, BY_CREATION);
    SqlFragment filter = Filters.compile(query.filter(), filters, "f");
    Optional<Position> after = query.after().map(ordering::requireFits);
    return new ListPlan(query.pageSize(), query.fields(),
        query.showDeleted() ? Optional.empty() : liveRows, filter, ordering, after);
  }
}
