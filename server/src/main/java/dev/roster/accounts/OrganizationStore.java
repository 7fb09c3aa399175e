package dev.roster.accounts;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** The SQL for organizations. Every statement is parameterised; nothing from a caller is spliced in. */
final class OrganizationStore {
  static final String SLUG_KEY = "organizations_slug_live_key";

  private static final String COLUMNS =
      "id, slug, display_name, create_time, update_time, delete_time, version";

  private OrganizationStore() {}

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
    UUID id = rs.getObject("id", UUID.class);
    return new Organization(
        id,
        rs.getString("slug"),
        rs.getString("display_name"),
        instant(rs, "create_time"),
        instant(rs, "update_time"),
        Optional.ofNullable(instant(rs, "delete_time")),
        Etags.of(id, rs.getLong("version")));
  }
}
