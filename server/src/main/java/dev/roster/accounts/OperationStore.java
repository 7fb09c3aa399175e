package dev.roster.accounts;

import static dev.roster.platform.db.Rows.instant;
import static dev.roster.platform.db.Rows.utc;

import dev.roster.platform.db.Select;
import dev.roster.platform.query.Keyset;
import dev.roster.platform.query.ListPlan;
import dev.roster.platform.query.ListSpec;
import dev.roster.platform.query.Page;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The SQL for long-running operations (exports). Reads take the caller's {@code now}: an
 * operation past its expire_time reads as gone, whether or not the expiry job has deleted it yet.
 */
final class OperationStore {
  private static final String COLUMNS = "organization_id, id, filter, job_id, done,"
      + " cancel_requested, exported_count, result_uri, result_bytes, error_code, error_message, create_time,"
      + " update_time, expire_time";

  /** What ListOperations accepts: pages only, oldest first. */
  static final ListSpec LIST = ListSpec.byCreation();

  private OperationStore() {}

  static void insert(Handle h, UUID organizationId, UUID id, String kind, String filter, UUID jobId,
      Instant now) {
    h.createUpdate("""
            insert into operations (id, organization_id, kind, filter, job_id, create_time, update_time)
            values (:id, :organizationId, :kind, :filter, :jobId, :now, :now)""")
        .bind("id", id).bind("organizationId", organizationId).bind("kind", kind)
        .bind("filter", filter).bind("jobId", jobId).bind("now", utc(now)).execute();
  }

  /** The operation, unless it has expired by {@code now}. */
  static Optional<ExportOperation> find(Handle h, UUID organizationId, UUID id, Instant now) {
    return of(organizationId, now).whereEquals("id", id).one(h, (rs, ctx) -> map(rs));
  }

  static Page<ExportOperation> list(Handle h, UUID organizationId, ListPlan plan, Instant now) {
    return Keyset.page(h, of(organizationId, now), plan, (rs, ctx) -> map(rs));
  }

  private static Select of(UUID organizationId, Instant now) {
    return Select.from("operations", COLUMNS).whereEquals("organization_id", organizationId)
        .where("(expire_time is null or expire_time > :now)", Map.of("now", utc(now)));
  }

  /** The file:// URI of a finished export's file, unless the operation has expired by {@code now}. */
  static Optional<String> resultUri(Handle h, UUID organizationId, UUID id, Instant now) {
    return h.createQuery("""
            select result_uri from operations
            where organization_id = :organizationId and id = :id and result_uri is not null
              and (expire_time is null or expire_time > :now)""")
        .bind("organizationId", organizationId).bind("id", id).bind("now", utc(now))
        .mapTo(String.class).findOne();
  }

  /** An operation that has expired, and its file's URI if it has one. */
  record Expired(UUID id, Optional<String> resultUri) {}

  /**
   * Locks up to {@code batch} operations expired by {@code now}, oldest first, skipping rows
   * another node is expiring at the same moment.
   */
  static List<Expired> lockExpired(Handle h, Instant now, int batch) {
    return h.createQuery("""
            select id, result_uri from operations
            where expire_time is not null and expire_time <= :now
            order by expire_time
            limit :batch
            for update skip locked""")
        .bind("now", utc(now)).bind("batch", batch)
        .map((rs, ctx) -> new Expired(rs.getObject("id", UUID.class),
            Optional.ofNullable(rs.getString("result_uri"))))
        .list();
  }

  static int delete(Handle h, List<UUID> ids) {
    return h.createUpdate("delete from operations where id = any(:ids)")
        .bindArray("ids", UUID.class, ids).execute();
  }

  static void requestCancel(Handle h, UUID id, Instant now) {
    h.createUpdate("update operations set cancel_requested = true, update_time = :now"
            + " where id = :id and not done and not cancel_requested")
        .bind("id", id).bind("now", utc(now)).execute();
  }

  /** Records progress; returns whether cancellation has been requested meanwhile. */
  static boolean progress(Handle h, UUID id, long exported, Instant now) {
    return h.createQuery("update operations set exported_count = :exported, update_time = :now"
            + " where id = :id returning cancel_requested")
        .bind("id", id).bind("exported", exported).bind("now", utc(now))
        .mapTo(Boolean.class).one();
  }

  /** Finishes with a result, kept until {@code expireTime}; false if it was already done. */
  static boolean succeed(Handle h, UUID id, long exported, String uri, long bytes, Instant now,
      Instant expireTime) {
    return h.createUpdate("""
            update operations set done = true, exported_count = :exported, result_uri = :uri,
                   result_bytes = :bytes, update_time = :now, expire_time = :expireTime
             where id = :id and not done""")
        .bind("id", id).bind("exported", exported).bind("uri", uri).bind("bytes", bytes)
        .bind("now", utc(now)).bind("expireTime", utc(expireTime)).execute() == 1;
  }

  /** Finishes with an error, kept until {@code expireTime}. */
  static void fail(Handle h, UUID id, String code, String message, Instant now,
      Instant expireTime) {
    h.createUpdate("""
            update operations set done = true, error_code = :code, error_message = :message,
                   update_time = :now, expire_time = :expireTime
             where id = :id and not done""")
        .bind("id", id).bind("code", code).bind("message", message).bind("now", utc(now))
        .bind("expireTime", utc(expireTime)).execute();
  }

  private static ExportOperation map(ResultSet rs) throws SQLException {
    String uri = rs.getString("result_uri");
    String code = rs.getString("error_code");
    return new ExportOperation(
        rs.getObject("organization_id", UUID.class),
        rs.getObject("id", UUID.class),
        rs.getString("filter"),
        Optional.ofNullable(rs.getObject("job_id", UUID.class)),
        rs.getBoolean("done"),
        rs.getBoolean("cancel_requested"),
        rs.getLong("exported_count"),
        uri == null ? Optional.empty()
            : Optional.of(new ExportOperation.Result(rs.getLong("exported_count"), rs.getLong("result_bytes"))),
        code == null ? Optional.empty()
            : Optional.of(new ExportOperation.Failure(code, rs.getString("error_message"))),
        instant(rs, "create_time"),
        instant(rs, "update_time"),
        Optional.ofNullable(instant(rs, "expire_time")));
  }
}
