package dev.roster.platform.db;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * One SELECT, built from trusted SQL pieces chosen by a store (table, columns, predicates, order)
 * and named parameters for every value, so nothing a caller sent is ever spliced into the text.
 * A builder for a single statement: make a new one per query.
 */
public final class Select {
  /** The row lock a read takes until its transaction ends. */
  public enum Lock {
    NONE(""),
    /** Keeps the rows from being changed or deleted, while others may read and share them. */
    SHARE(" for share"),
    /** Keeps others from changing or locking the rows. */
    UPDATE(" for update");

    private final String sql;

    Lock(String sql) {
      this.sql = sql;
    }
  }

  /**
   * A trusted predicate that finds rows by one value, written as {@code :key}: a store's closed set
   * of lookups (by id, by request id, by live handle...) as constants.
   */
  public record By(String predicate) {}

  private final String table;
  private final List<String> columns = new ArrayList<>();
  private final List<String> predicates = new ArrayList<>();
  private final Map<String, Object> params = new LinkedHashMap<>();
  private String orderBy = "";
  private Lock lock = Lock.NONE;
  private int limit = -1;

  private Select(String table, String columns) {
    this.table = table;
    this.columns.add(columns);
  }

  /** {@code select columns from table}. */
  public static Select from(String table, String columns) {
    return new Select(table, columns);
  }

  /** Adds trusted expressions to the select list. */
  public Select columns(String more) {
    columns.add(more);
    return this;
  }

  /** ANDs a trusted predicate; its values are bound with {@link #bind}. */
  public Select where(String predicate) {
    predicates.add(predicate);
    return this;
  }

  /** ANDs a trusted predicate that refers to {@code params} by name. */
  public Select where(String predicate, Map<String, ?> params) {
    this.params.putAll(params);
    return where(predicate);
  }

  /** ANDs {@code column = :column}. */
  public Select whereEquals(String column, Object value) {
    return where(column + " = :" + column, Map.of(column, value));
  }

  /** ANDs {@code by}'s predicate with {@code key} bound to it. */
  public Select where(By by, Object key) {
    return where(by.predicate(), Map.of("key", key));
  }

  public Select bind(String name, Object value) {
    params.put(name, value);
    return this;
  }

  /** A trusted ORDER BY body. */
  public Select orderBy(String orderBy) {
    this.orderBy = orderBy;
    return this;
  }

  /** At most {@code limit} rows, bound as a parameter. */
  public Select limit(int limit) {
    this.limit = limit;
    return this;
  }

  public Select lock(Lock lock) {
    this.lock = lock;
    return this;
  }

  /** The statement text. */
  public String sql() {
    StringBuilder sql = new StringBuilder("select ").append(String.join(", ", columns))
        .append(" from ").append(table);
    if (!predicates.isEmpty()) {
      sql.append(" where ").append(String.join(" and ", predicates));
    }
    if (!orderBy.isEmpty()) {
      sql.append(" order by ").append(orderBy);
    }
    if (limit >= 0) {
      sql.append(" limit :limit");
    }
    return sql.append(lock.sql).toString();
  }

  /** The named parameters, in the order they were added. */
  public Map<String, Object> params() {
    Map<String, Object> all = new LinkedHashMap<>(params);
    if (limit >= 0) {
      all.put("limit", limit);
    }
    return all;
  }

  /** The one row found, if any. */
  public <T> Optional<T> one(Handle h, RowMapper<T> mapper) {
    return query(h).map(mapper).findOne();
  }

  /** Every row found, in order. */
  public <T> List<T> list(Handle h, RowMapper<T> mapper) {
    return query(h).map(mapper).list();
  }

  private Query query(Handle h) {
    Query query = h.createQuery(sql());
    // Arrays (id = any(:ids)) need their element type, which a plain bind cannot infer.
    params().forEach((name, value) -> {
      if (value instanceof UUID[] ids) {
        query.bindArray(name, UUID.class, (Object[]) ids);
      } else {
        query.bind(name, value);
      }
    });
    return query;
  }
}
