package dev.roster.accounts;

import static dev.roster.accounts.OrganizationStore.instant;
import static dev.roster.accounts.OrganizationStore.utc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
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

  private static final String COLUMNS = "organization_id, id, handle, email, display_name, status,"
      + " create_time, update_time, delete_time, version";

  private UserStore() {}

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

  static Optional<User> findLiveByHandle(Handle h, UUID organizationId, String handle) {
    return h.createQuery("select " + COLUMNS + " from users where organization_id = :organizationId"
            + " and handle = :handle and delete_time is null")
        .bind("organizationId", organizationId)
        .bind("handle", handle)
        .map(UserStore::map)
        .findOne();
  }

  /** Served by the users_email_live_key index on lower(email). */
  static Optional<User> findLiveByEmail(Handle h, UUID organizationId, String email) {
    return h.createQuery("select " + COLUMNS + " from users where organization_id = :organizationId"
            + " and lower(email) = lower(:email) and delete_time is null")
        .bind("organizationId", organizationId)
        .bind("email", email)
        .map(UserStore::map)
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
    UUID id = rs.getObject("id", UUID.class);
    return new User(
        rs.getObject("organization_id", UUID.class),
        id,
        rs.getString("handle"),
        rs.getString("email"),
        rs.getString("display_name"),
        UserStatus.valueOf(rs.getString("status")),
        instant(rs, "create_time"),
        instant(rs, "update_time"),
        Optional.ofNullable(instant(rs, "delete_time")),
        Etags.of(id, rs.getLong("version")));
  }
}
