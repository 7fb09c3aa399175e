package dev.roster.accounts;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import dev.roster.platform.query.FilterField;
import dev.roster.platform.query.FilterSchema;
import dev.roster.platform.query.Filters;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Ordering;
import dev.roster.platform.query.Page;
import dev.roster.platform.query.SortField;
import dev.roster.platform.query.SqlFragment;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** The SQL for organizations. Every statement is parameterised; nothing from a caller is spliced in. */
final class OrganizationStore {
  static final String SLUG_KEY = "organizations_slug_live_key";

  /** The resource fields a read mask may name, and the column each is read from. */
  static final Map<String, String> FIELD_COLUMNS = orderedMap(
      "slug", "slug", "display_name", "display_name", "create_time", "create_time",
      "update_time", "update_time", "delete_time", "delete_time", "etag", "version");
  private static final String COLUMNS = columns(Set.of());

  static final FilterSchema FILTERS = FilterSchema.of(
      FilterField.string("slug", "slug"),
      FilterField.string("display_name", "display_name"),
      FilterField.timestamp("create_time", "create_time"));
  static final List<SortField> SORTS = List.of(
      new SortField("slug", "slug", SortField.Type.STRING),
      new SortField("display_name", "display_name", SortField.Type.STRING),
      SortField.CREATE_TIME);

  private OrganizationStore() {}

  /** id always, then the columns behind {@code fields} (all when empty). */
  static String columns(Set<String> fields) {
    return selectList("id", FIELD_COLUMNS, fields);
  }

  /**
   * The SELECT list for a read mask: the {@code always} columns, then the column of each resource
   * field asked for (every field when {@code fields} is empty), in a fixed order.
   */
  static String selectList(String always, Map<String, String> fieldColumns, Set<String> fields) {
    StringBuilder sql = new StringBuilder(always);
    fieldColumns.forEach((field, column) -> {
      if (fields.isEmpty() || fields.contains(field)) {
        sql.append(", ").append(column);
      }
    });
    return sql.toString();
  }

  /** One page of organizations; filter, order and keyset position are all SQL. */
  static Page<Organization> list(Handle h, ListQuery q) {
    Ordering ordering = Ordering.parse(q.orderBy(), SORTS, SortField.ID,
        List.of(new Ordering.Key(SortField.CREATE_TIME, false)));
    SqlFragment filter = Filters.compile(q.filter(), FILTERS, "f");
    SqlFragment after = q.after().map(p -> ordering.after(p, "k")).orElse(SqlFragment.TRUE);
    String sql = "select " + columns(q.fields()) + ", " + ordering.selectList()
        + " from organizations where " + (q.showDeleted() ? "true" : "delete_time is null")
        + " and " + filter.sql() + " and " + after.sql()
        + " order by " + ordering.orderBy() + " limit :limit";
    List<Map.Entry<Organization, List<Object>>> rows = h.createQuery(sql)
        .bindMap(filter.params())
        .bindMap(after.params())
        .bind("limit", q.pageSize() + 1)
        .map((rs, ctx) -> Map.entry(map(rs, q.fields()), ordering.positionOf(rs)))
        .list();
    return Page.of(rows, q.pageSize());
  }

  static Optional<Organization> find(Handle h, UUID id, Set<String> fields) {
    return h.createQuery("select " + columns(fields) + " from organizations where id = :id")
        .bind("id", id)
        .map((rs, ctx) -> map(rs, fields))
        .findOne();
  }

  static Optional<Organization> find(Handle h, UUID id) {
    return h.createQuery("select " + COLUMNS + " from organizations where id = :id")
        .bind("id", id)
        .map(OrganizationStore::map)
        .findOne();
  }

  /** Reads and row-locks the organization until the transaction ends. */
  static Optional<Organization> lock(Handle h, UUID id) {
    return h.createQuery("select " + COLUMNS + " from organizations where id = :id for update")
        .bind("id", id)
        .map(OrganizationStore::map)
        .findOne();
  }

  /** Reads the organization and keeps it from being deleted until the transaction ends. */
  static Optional<Organization> share(Handle h, UUID id) {
    return h.createQuery("select " + COLUMNS + " from organizations where id = :id for share")
        .bind("id", id)
        .map(OrganizationStore::map)
        .findOne();
  }

  static Optional<Organization> findByRequestId(Handle h, UUID requestId) {
    return h.createQuery("select " + COLUMNS + " from organizations where request_id = :requestId")
        .bind("requestId", requestId)
        .map(OrganizationStore::map)
        .findOne();
  }

  static Organization insert(
      Handle h, UUID id, NewOrganization org, Instant now, Optional<UUID> requestId) {
    return h.createQuery("""
            insert into organizations (id, slug, display_name, create_time, update_time, request_id)
            values (:id, :slug, :displayName, :now, :now, :requestId)
            returning """ + " " + COLUMNS)
        .bind("id", id)
        .bind("slug", org.slug())
        .bind("displayName", org.displayName())
        .bind("now", utc(now))
        .bind("requestId", requestId.orElse(null))
        .map(OrganizationStore::map)
        .one();
  }

  static Organization update(Handle h, UUID id, String slug, String displayName, Instant now) {
    return h.createQuery("""
            update organizations
               set slug = :slug, display_name = :displayName, update_time = :now,
                   version = version + 1
             where id = :id
            returning """ + " " + COLUMNS)
        .bind("id", id)
        .bind("slug", slug)
        .bind("displayName", displayName)
        .bind("now", utc(now))
        .map(OrganizationStore::map)
        .one();
  }

  /** Sets (a time) or clears (null) the deletion mark. */
  static Organization setDeleteTime(Handle h, UUID id, Instant deleteTime, Instant now) {
    return h.createQuery("""
            update organizations
               set delete_time = :deleteTime, update_time = :now, version = version + 1
             where id = :id
            returning """ + " " + COLUMNS)
        .bind("id", id)
        .bind("deleteTime", deleteTime == null ? null : utc(deleteTime))
        .bind("now", utc(now))
        .map(OrganizationStore::map)
        .one();
  }

  static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  private static Organization map(ResultSet rs, StatementContext ctx) throws SQLException {
    return map(rs, Set.of());
  }

  /** Maps a row; fields outside {@code fields} (when not empty) were not selected and stay null. */
  private static Organization map(ResultSet rs, Set<String> fields) throws SQLException {
    UUID id = rs.getObject("id", UUID.class);
    boolean all = fields.isEmpty();
    return new Organization(
        id,
        all || fields.contains("slug") ? rs.getString("slug") : null,
        all || fields.contains("display_name") ? rs.getString("display_name") : null,
        all || fields.contains("create_time") ? instant(rs, "create_time") : null,
        all || fields.contains("update_time") ? instant(rs, "update_time") : null,
        Optional.ofNullable(all || fields.contains("delete_time") ? instant(rs, "delete_time") : null),
        all || fields.contains("etag") ? Etags.of(id, rs.getLong("version")) : null);
  }

  static Map<String, String> orderedMap(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return Collections.unmodifiableMap(map);
  }
}
