package dev.roster.accounts;

import static dev.roster.platform.db.Rows.utc;
import static dev.roster.platform.db.Rows.utcOrNull;

import dev.roster.platform.db.FieldColumns;
import dev.roster.platform.db.MaskedRow;
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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** The SQL for organizations. Every statement is parameterised; nothing from a caller is spliced in. */
final class OrganizationStore {
  static final String SLUG_KEY = "organizations_slug_live_key";

  /** The resource fields a read mask may name, and the column each is read from. */
  static final FieldColumns COLUMNS = FieldColumns.of("id",
      "slug", "slug", "display_name", "display_name", "create_time", "create_time",
      "update_time", "update_time", "delete_time", "delete_time", "etag", "version");

  /** What ListOrganizations accepts. */
  static final ListSpec LIST = ListSpec.of(
      FilterSchema.of(
          FilterField.string("slug", "slug"),
          FilterField.string("display_name", "display_name"),
          FilterField.timestamp("create_time", "create_time")),
      List.of(
          new SortField("slug", "slug", SortField.Type.STRING),
          new SortField("display_name", "display_name", SortField.Type.STRING),
          SortField.CREATE_TIME))
      .hidingDeleted("delete_time is null");

  /** The unique keys an organization is found by. */
  static final Select.By BY_ID = new Select.By("id = :key");
  static final Select.By BY_REQUEST_ID = new Select.By("request_id = :key");

  private OrganizationStore() {}

  /** id always, then the columns behind {@code fields} (all when empty). */
  static String columns(Set<String> fields) {
    return COLUMNS.select(fields);
  }

  /** One page of organizations; filter, order and keyset position are all SQL. */
  static Page<Organization> list(Handle h, ListPlan plan) {
    return Keyset.page(h, Select.from("organizations", columns(plan.fields())), plan,
        (rs, ctx) -> map(rs, plan.fields()));
  }

  /**
   * The organization with this key, deleted or not, with only {@code fields} read (all when
   * empty), row-locked as {@code lock} says until the transaction ends.
   */
  static Optional<Organization> find(Handle h, Select.By by, UUID key, Set<String> fields,
      Select.Lock lock) {
    return Select.from("organizations", columns(fields)).where(by, key).lock(lock)
        .one(h, (rs, ctx) -> map(rs, fields));
  }

  /** The whole organization with this key, unlocked. */
  static Optional<Organization> find(Handle h, Select.By by, UUID key) {
    return find(h, by, key, Set.of(), Select.Lock.NONE);
  }

  static Organization insert(
      Handle h, UUID id, NewOrganization org, Instant now, Optional<UUID> requestId) {
    return h.createQuery("""
            insert into organizations (id, slug, display_name, create_time, update_time, request_id)
            values (:id, :slug, :displayName, :now, :now, :requestId)
            returning """ + " " + COLUMNS.all())
        .bind("id", id)
        .bind("slug", org.slug())
        .bind("displayName", org.displayName())
        .bind("now", utc(now))
        .bind("requestId", requestId.orElse(null))
        .map((rs, ctx) -> map(rs, Set.of()))
        .one();
  }

  static Organization update(Handle h, UUID id, String slug, String displayName, Instant now) {
    return h.createQuery("""
            update organizations
               set slug = :slug, display_name = :displayName, update_time = :now,
                   version = version + 1
             where id = :id
            returning """ + " " + COLUMNS.all())
        .bind("id", id)
        .bind("slug", slug)
        .bind("displayName", displayName)
        .bind("now", utc(now))
        .map((rs, ctx) -> map(rs, Set.of()))
        .one();
  }

  /** Sets (a time) or clears (null) the deletion mark. */
  static Organization setDeleteTime(Handle h, UUID id, Instant deleteTime, Instant now) {
    return h.createQuery("""
            update organizations
               set delete_time = :deleteTime, update_time = :now, version = version + 1
             where id = :id
            returning """ + " " + COLUMNS.all())
        .bind("id", id)
        .bind("deleteTime", utcOrNull(deleteTime))
        .bind("now", utc(now))
        .map((rs, ctx) -> map(rs, Set.of()))
        .one();
  }

  /** Maps a row; fields outside {@code fields} (when not empty) were not selected and stay null. */
  private static Organization map(ResultSet rs, Set<String> fields) throws SQLException {
    MaskedRow row = new MaskedRow(rs, fields);
    UUID id = rs.getObject("id", UUID.class);
    return new Organization(
        id,
        row.text("slug"),
        row.text("display_name"),
        row.instant("create_time"),
        row.instant("update_time"),
        Optional.ofNullable(row.instant("delete_time")),
        row.has("etag") ? Etags.of(id, rs.getLong("version")) : null);
  }
}
