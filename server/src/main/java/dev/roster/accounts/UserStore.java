package dev.roster.accounts;

import static dev.roster.platform.db.Rows.utc;

import dev.roster.platform.db.FieldColumns;
import dev.roster.platform.db.MaskedRow;
import dev.roster.platform.db.Rows;
import dev.roster.platform.db.Select;
import dev.roster.platform.query.FilterField;
import dev.roster.platform.query.FilterSchema;
import dev.roster.platform.query.Keyset;
import dev.roster.platform.query.ListPlan;
import dev.roster.platform.query.ListSpec;
import dev.roster.platform.query.Page;
import dev.roster.platform.query.SortField;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The SQL for users. Every statement is scoped by organization id, so a user id from another
 * organization is simply not found. Everything is parameterised.
 */
final class UserStore {
  static final String HANDLE_KEY = "users_handle_live_key";
  static final String EMAIL_KEY = "users_email_live_key";

  /** The resource fields a read mask may name, and the column each is read from. */
  static final FieldColumns COLUMNS = FieldColumns.of("organization_id, id",
      "handle", "handle", "email", "email", "display_name", "display_name", "status", "status",
      "create_time", "create_time", "update_time", "update_time", "delete_time", "delete_time",
      "etag", "version");

  /** What ListUsers accepts; exports filter with the same schema. */
  static final ListSpec LIST = ListSpec.of(
      FilterSchema.of(
          FilterField.string("handle", "handle"),
          FilterField.caseInsensitiveString("email", "email"),
          FilterField.string("display_name", "display_name"),
          FilterField.enumeration("status", "status", Set.of("ACTIVE", "SUSPENDED")),
          FilterField.timestamp("create_time", "create_time"),
          FilterField.timestamp("update_time", "update_time")),
      List.of(
          new SortField("handle", "handle", SortField.Type.STRING),
          new SortField("email", "lower(email)", SortField.Type.STRING),
          new SortField("display_name", "display_name", SortField.Type.STRING),
          SortField.CREATE_TIME,
          new SortField("update_time", "update_time", SortField.Type.TIMESTAMP)))
      .hidingDeleted("delete_time is null");

  /** The keys a user is found by within its organization. */
  static final Select.By BY_ID = new Select.By("id = :key");
  static final Select.By BY_REQUEST_ID = new Select.By("request_id = :key");
  static final Select.By BY_LIVE_HANDLE = new Select.By("handle = :key and delete_time is null");
  /** Served by the users_email_live_key index on lower(email). */
  static final Select.By BY_LIVE_EMAIL =
      new Select.By("lower(email) = lower(:key) and delete_time is null");

  private UserStore() {}

  /** organization_id and id always, then the columns behind {@code fields} (all when empty). */
  static String columns(Set<String> fields) {
    return COLUMNS.select(fields);
  }

  /**
   * One page of the organization's users: filter, order and keyset position all become SQL, so
   * the database reads only the rows of this page (plus one, to know whether more follow).
   */
  static Page<User> list(Handle h, UUID organizationId, ListPlan plan) {
    return Keyset.page(h, of(organizationId, plan.fields()), plan,
        (rs, ctx) -> map(rs, plan.fields()));
  }

  /** The users with these ids (in no particular order); missing ones are simply absent. */
  static List<User> findMany(Handle h, UUID organizationId, Collection<UUID> ids,
      Set<String> fields) {
    return of(organizationId, fields).where("id = any(:ids)").bind("ids", ids.toArray(UUID[]::new))
        .list(h, (rs, ctx) -> map(rs, fields));
  }

  /**
   * The organization's user with this key, with only {@code fields} read (all when empty),
   * row-locked as {@code lock} says until the transaction ends.
   */
  static Optional<User> find(Handle h, UUID organizationId, Select.By by, Object key,
      Set<String> fields, Select.Lock lock) {
    return of(organizationId, fields).where(by, key).lock(lock)
        .one(h, (rs, ctx) -> map(rs, fields));
  }

  /** The whole user with this key, unlocked. */
  static Optional<User> find(Handle h, UUID organizationId, Select.By by, Object key) {
    return find(h, organizationId, by, key, Set.of(), Select.Lock.NONE);
  }

  /** The select every read starts from: the read-mask columns of the organization's users. */
  private static Select of(UUID organizationId, Set<String> fields) {
    return Select.from("users", columns(fields)).whereEquals("organization_id", organizationId);
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
            returning """ + " " + COLUMNS.all())
        .bind("organizationId", organizationId)
        .bind("id", id)
        .bind("handle", user.handle())
        .bind("email", user.email())
        .bind("displayName", user.displayName())
        .bind("now", utc(now))
        .bind("requestId", requestId.orElse(null))
        .map((rs, ctx) -> map(rs, Set.of()))
        .one();
  }

  static User update(Handle h, User user, Instant now) {
    return h.createQuery("""
            update users
               set handle = :handle, email = :email, display_name = :displayName,
                   status = :status, delete_time = :deleteTime, update_time = :now,
                   version = version + 1
             where organization_id = :organizationId and id = :id
            returning """ + " " + COLUMNS.all())
        .bind("organizationId", user.organizationId())
        .bind("id", user.id())
        .bind("handle", user.handle())
        .bind("email", user.email())
        .bind("displayName", user.displayName())
        .bind("status", user.status().name())
        .bind("deleteTime", user.deleteTime().map(Rows::utc).orElse(null))
        .bind("now", utc(now))
        .map((rs, ctx) -> map(rs, Set.of()))
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

  /** Maps a row; fields outside {@code fields} (when not empty) were not selected and stay null. */
  private static User map(ResultSet rs, Set<String> fields) throws SQLException {
    MaskedRow row = new MaskedRow(rs, fields);
    UUID id = rs.getObject("id", UUID.class);
    String status = row.text("status");
    return new User(
        rs.getObject("organization_id", UUID.class),
        id,
        row.text("handle"),
        row.text("email"),
        row.text("display_name"),
        status == null ? null : UserStatus.valueOf(status),
        row.instant("create_time"),
        row.instant("update_time"),
        Optional.ofNullable(row.instant("delete_time")),
        row.has("etag") ? Etags.of(id, rs.getLong("version")) : null);
  }
}
