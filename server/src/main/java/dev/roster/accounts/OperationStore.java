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
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** The SQL for long-running operations (exports). */
final class OperationStore {
  private static final String COLUMNS = "organization_id, id, filter, job_id, done,"
      + " cancel_requested, exported_count, result_uri, result_bytes, error_code, error_message, create_time,"
      + " update_time";

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

  static Optional<ExportOperation> find(Handle h, UUID organizationId, UUID id) {
    return of(organizationId).whereEquals("id", id).one(h, (rs, ctx) -> map(rs));
  }

  static Page<ExportOperation> list(Handle h, UUID organizationId, ListPlan plan) {
    return Keyset.page(h, of(organizationId), plan, (rs, ctx) -> map(rs));
  }

  private static Select of(UUID organizationId) {
    return Select.from("operations", COLUMNS).whereEquals("organization_id", organizationId);
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

  static void succeed(Handle h, UUID id, long exported, String uri, long bytes, Instant now) {
    h.createUpdate("""
            update operations set done = true, exported_count = :exported, result_uri = :uri,
                   result_bytes = :bytes, update_time = :now
             where id = :id and not done""")
        .bind("id", id).bind("exported", exported).bind("uri", uri).bind("bytes", bytes)
        .bind("now", utc(now)).execute();
  }

  static void fail(Handle h, UUID id, String code, String message, Instant now) {
    h.createUpdate("""
            update operations set done = true, error_code = :code, error_message = :message,
                   update_time = :now
             where id = :id and not done""")
        .bind("id", id).bind("code", code).bind("message", message).bind("now", utc(now)).execute();
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
            : Optional.of(new ExportOperation.Result(uri, rs.getLong("exported_count"), rs.getLong("result_bytes"))),
        code == null ? Optional.empty()
            : Optional.of(new ExportOperation.Failure(code, rs.getString("error_message"))),
        instant(rs, "create_time"),
        instant(rs, "update_time"));
  }
}
