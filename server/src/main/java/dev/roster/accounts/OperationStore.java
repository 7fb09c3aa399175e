package dev.roster.accounts;

import static dev.roster.accounts.OrganizationStore.instant;
import static dev.roster.accounts.OrganizationStore.utc;

import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Ordering;
import dev.roster.platform.query.Page;
import dev.roster.platform.query.SortField;
import dev.roster.platform.query.SqlFragment;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** The SQL for long-running operations (exports). */
final class OperationStore {
  private static final String COLUMNS = "organization_id, id, filter, job_id, done,"
      + " cancel_requested, exported_count, result_uri, result_bytes, error_code, error_message, create_time,"
      + " update_time";

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
    return h.createQuery("select " + COLUMNS
            + " from operations where organization_id = :organizationId and id = :id")
        .bind("organizationId", organizationId).bind("id", id)
        .map((rs, ctx) -> map(rs)).findOne();
  }

  static Page<ExportOperation> list(Handle h, UUID organizationId, ListQuery q) {
    Ordering ordering = Ordering.byCreation();
    SqlFragment after = q.after().map(p -> ordering.after(p, "k")).orElse(SqlFragment.TRUE);
    List<Map.Entry<ExportOperation, List<Object>>> rows = h.createQuery("select " + COLUMNS + ", "
            + ordering.selectList() + " from operations where organization_id = :organizationId"
            + " and " + after.sql() + " order by " + ordering.orderBy() + " limit :limit")
        .bind("organizationId", organizationId)
        .bindMap(after.params())
        .bind("limit", q.pageSize() + 1)
        .map((rs, ctx) -> Map.entry(map(rs), ordering.positionOf(rs)))
        .list();
    return Page.of(rows, q.pageSize());
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
