package dev.roster.platform.query;

import dev.roster.platform.db.Select;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * The one keyset list query: a store's base SELECT (table, read-mask columns, scope predicate),
 * then the plan's live-rows predicate, filter, "after the token's position", order and limit. The
 * database reads only the rows of the page plus one, which tells whether another page follows.
 */
public final class Keyset {
  private Keyset() {}

  /**
   * Completes {@code base} with {@code plan} and reads one page, each row with its position.
   *
   * @param base the store's scoped query; its predicates must not use parameters named f0.. or k0..
   * @param mapper maps one row of {@code base}'s columns
   */
  public static <T> Page<T> page(Handle h, Select base, ListPlan plan, RowMapper<T> mapper) {
    Ordering ordering = plan.ordering();
    plan.liveRows().ifPresent(base::where);
    SqlFragment filter = plan.filter();
    SqlFragment after = plan.after().map(p -> ordering.after(p, "k")).orElse(SqlFragment.TRUE);
    base.columns(ordering.selectList())
        .where(filter.sql(), filter.params())
        .where(after.sql(), after.params())
        .orderBy(ordering.orderBy())
        .limit(plan.pageSize() + 1);
    return Page.of(
        base.list(h, (rs, ctx) -> Map.entry(mapper.map(rs, ctx), ordering.positionOf(rs))),
        plan.pageSize());
  }
}
