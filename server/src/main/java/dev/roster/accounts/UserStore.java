package dev.roster.accounts;

import static dev.roster.accounts.OrganizationStore.instant;
import static dev.roster.accounts.OrganizationStore.utc;

import java.sql.ResultSet;
import java.sql.SQLException;
import dev.roster.platform.query.FilterField;
import dev.roster.platform.query.FilterSchema;
import dev.roster.platform.query.Filters;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Ordering;
import dev.roster.platform.query.Page;
import dev.roster.platform.query.SortField;
import dev.roster.platform.query.SqlFragment;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The SQL for users. Every statement is scoped by organization id, so a user id from another
 * organization is simply not found. Everything is parameterised.
 */
final class UserStore {
  static final String HANDLE_KEY = "users_handle_live_key";
  static final String EMAIL_KEY = "users_email_live_key";

  /** The resource fields a read mask may name, and the column each is read from. */
  static final Map<String, String> FIELD_COLUMNS = OrganizationStore.orderedMap(
      "handle", "handle", "email", "email", "display_name", "display_name", "status", "status",
      "create_time", "create_time", "update_time", "update_time", "delete_time", "delete_time",
      "etag", "version");
  private static final String COLUMNS = columns(Set.of());

  static final FilterSchema FILTERS = FilterSchema.of(
      FilterField.string("handle", "handle"),
      FilterField.caseInsensitiveString("email", "email"),
      FilterField.string("display_name", "display_name"),
      FilterField.enumeration("status", "status", Set.of("ACTIVE", "SUSPENDED")),
      FilterField.timestamp("create_time", "create_time"),
      FilterField.timestamp("update_time", "update_time"));
  static final List<SortField> SORTS = List.of(
      new SortField("handle", "handle", SortField.Type.STRING),
      new SortField("email", "lower(email)", SortField.Type.STRING),
      new SortField("display_name", "display_name", SortField.Type.STRING),
      SortField.CREATE_TIME,
      new SortField("update_time", "update_time", SortField.Type.TIMESTAMP));

  private UserStore() {}

  /** organization_id and id always, then the columns behind {@code fields} (all when empty). */
  static String columns(Set<String> fields) {
    return OrganizationStore.selectList("organization_id, id", FIELD_COLUMNS, fields);
  }

  /**
   * One page of the organization's users: filter, order and keyset position all become SQL, so
   * the database reads only the rows of this page (plus one, to know whether more follow).
   */
  static Page<User> list(Handle h, UUID organizationId, ListQuery q) {
    Ordering ordering = Ordering.parse(q.orderBy(), SORTS, SortField.ID,
        List.of(new Ordering.Key(SortField.CREATE_TIME, false)));
    SqlFragment filter = Filters.compile(q.filter(), FILTERS, "f");
    SqlFragment after = q.after().map(p -> ordering.after(p, "k")).orElse(SqlFragment.TRUE);
    String sql = "select " + columns(q.fields()) + ", " + ordering.selectList()
        + " from users where organization_id = :organizationId"
        + (q.showDeleted() ? "" : " and delete_time is null")
        + " and " + filter.sql() + " and " + after.sql()
        + " order by " + ordering.orderBy() + " limit :limit";
    List<Map.Entry<User, List<Object>>> rows = h.createQuery(sql)
        .bind("organizationId", organizationId)
        .bindMap(filter.params())
        .bindMap(after.params())
        .bind("limit", q.pageSize() + 1)
        .map((rs, ctx) -> Map.entry(map(rs, q.fields()), ordering.positionOf(rs)))
        .list();
    return Page.of(rows, q.pageSize());
  }

  /** The users with these ids (in no particular order); missing ones are simply absent. */
  static List<User> findMany(Handle h, UUID organizationId, Collection<UUID> ids, Set<String> fields) {
    return h.createQuery("select " + columns(fields)
            + " from users where organization_id = :organizationId and id = any(:ids)")
        .bind("organizationId", organizationId)
        .bindArray("ids", UUID.class, ids)
        .map((rs, ctx) -> map(rs, fields))
        .list();
  }

  static Optional<User> find(Handle h, UUID organizationId, UUID id, Set<String> fields) {
    return h.createQuery("select " + columns(fields)
            + " from users where organization_id = :organizationId and id = :id")
        .bind("organizationId", organizationId)
        .bind("id", id)
        .map((rs, ctx) -> map(rs, fields))
        .findOne();
  }

  static Optional<User> find(Handle h, UUID organizationId, UUID id) {
    return h.createQuery("select " + COLUMNS
            + " from users where organization_id = :organizationId and id = :id")
        .bind("organizationId", organizationId)
        .bind("id", id)
        .map(UserStore::map)
        .findOne();
  }

  /** Reads and row-locks the user until the transaction ends. */
  static Optional<User> lock(Handle h, UUID organizationId, UUID id) {
    return h.createQuery("select " + COLUMNS
            + " from users where organization_id = :organizationId and id = :id for update")
        .bind("organizationId", organizationId)
        .bind("id", id)
        .map(UserStore::map)
        .findOne();
  }

  static Optional<User> findByRequestId(Handle h, UUID organizationId, UUID requestId) {
    return h.createQuery("select " + COLUMNS
            + " from users where organization_id = :organizationId and request_id = :requestId")
        .bind("organizationId", organizationId)
        .bind("requestId", requestId)
        .map(UserStore::map)
        .findOne();
  }

  static Optional<User> findLiveByHandle(Handle h, UUID organizationId, String handle,
      Set<String> fields) {
    return h.createQuery("select " + columns(fields) + " from users"
            + " where organization_id = :organizationId and handle = :handle and delete_time is null")
        .bind("organizationId", organizationId)
        .bind("handle", handle)
        .map((rs, ctx) -> map(rs, fields))
        .findOne();
  }

  /** Served by the users_email_live_key index on lower(email). */
  static Optional<User> findLiveByEmail(Handle h, UUID organizationId, String email,
      Set<String> fields) {
    return h.createQuery("select " + columns(fields) + " from users where organization_id ="
            + " :organizationId and lower(email) = lower(:email) and delete_time is null")
        .bind("organizationId", organizationId)
        .bind("email", email)
        .map((rs, ctx) -> map(rs, fields))
        .findOne();
  }

  static boolean hasLiveUsers(Handle h, UUID organizationId) {
    return h.createQuery("select exists (select 1 from users where organization_id = :organizationId"
            + " and delete_time is null)")
        .bind("organizationId", organizationId)
        .mapTo(Boolean.class)
        .one();
  }

  static User insert(Handle h, UUID organizationId, UUID id, NewUser user, Instant now,
      Optional<UUID> requestId) {
    return h.createQuery("""
            insert into users (organization_id, id, handle, email, display_name, status,
                               create_time, update_time, request_id)
            values (:organizationId, :id, :handle, :email, :displayName, 'ACTIVE',
                    :now, :now, :requestId)
            returning """ + " " + COLUMNS)
        .bind("organizationId", organizationId)
        .bind("id", id)
        .bind("handle", user.handle())
        .bind("email", user.email())
        .bind("displayName", user.displayName())
        .bind("now", utc(now))
        .bind("requestId", requestId.orElse(null))
        .map(UserStore::map)
        .one();
  }

  static User update(Handle h, User user, Instant now) {
    return h.createQuery("""
            update users
               set handle = :handle, email = :email, display_name = :displayName,
                   status = :status, delete_time = :deleteTime, update_time = :now,
                   version = version + 1
             where organization_id = :organizationId and id = :id
            returning """ + " " + COLUMNS)
        .bind("organizationId", user.organizationId())
        .bind("id", user.id())
        .bind("handle", user.handle())
        .bind("email", user.email())
        .bind("displayName", user.displayName())
        .bind("status", user.status().name())
        .bind("deleteTime", user.deleteTime().map(OrganizationStore::utc).orElse(null))
        .bind("now", utc(now))
        .map(UserStore::map)
        .one();
  }

  /** Soft-deletes every live user of the organization; returns how many. */
  static int deleteAllLive(Handle h, UUID organizationId, Instant now) {
    return h.createUpdate("""
            update users set delete_time = :now, update_time = :now, version = version + 1
             where organization_id = :organizationId and delete_time is null""")
        .bind("organizationId", organizationId)
        .bind("now", utc(now))
        .execute();
  }

  private static User map(ResultSet rs, StatementContext ctx) throws SQLException {
    return map(rs, Set.of());
  }

  /** Maps a row; fields outside {@code fields} (when not empty) were not selected and stay null. */
  private static User map(ResultSet rs, Set<String> fields) throws SQLException {
    UUID id = rs.getObject("id", UUID.class);
    boolean all = fields.isEmpty();
    return new User(
        rs.getObject("organization_id", UUID.class),
        id,
        all || fields.contains("handle") ? rs.getString("handle") : null,
        all || fields.contains("email") ? rs.getString("email") : null,
        all || fields.contains("display_name") ? rs.getString("display_name") : null,
        all || fields.contains("status") ? UserStatus.valueOf(rs.getString("status")) : null,
        all || fields.contains("create_time") ? instant(rs, "create_time") : null,
        all || fields.contains("update_time") ? instant(rs, "update_time") : null,
        Optional.ofNullable(all || fields.contains("delete_time") ? instant(rs, "delete_time") : null),
        all || fields.contains("etag") ? Etags.of(id, rs.getLong("version")) : null);
  }
}
