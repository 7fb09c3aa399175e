package dev.roster.jobs;

import dev.roster.platform.Ids;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The job queue's face for the code that creates work: enqueue, look up, cancel, count, prune.
 * Jobs are rows in PostgreSQL; {@link Workers} run them. See docs/JOBS.md.
 */
public final class JobQueue {
  private static final int PRUNE_BATCH = 10_000;

  private final Jdbi jdbi;
  private final Tracer tracer;

  /** A queue whose enqueues make no spans (they still store the caller's trace context). */
  public JobQueue(Jdbi jdbi) {
    this(jdbi, JobSpans.NO_TRACER);
  }

  /**
   * A queue whose enqueues open a producer span ({@code send <queue>}) under the current span and
   * store its context with the job, so the job's span links back to the call that caused it.
   */
  public JobQueue(Jdbi jdbi, Tracer tracer) {
    this.jdbi = jdbi;
    this.tracer = java.util.Objects.requireNonNull(tracer, "tracer");
  }

  /** Completion times of recently completed jobs of one queue. */
  public record Durations(String queue, long completed, Duration mean, Duration p95, Duration max) {}

  /**
   * Enqueues on the caller's open handle, so the job is part of the caller's transaction: it exists
   * if and only if that transaction commits, and no worker sees it before then. Call it inside the
   * {@code jdbi.inTransaction} that makes the business write. For a unique job whose key is taken
   * (see {@link JobRequest}), inserts nothing and returns the job that holds the key; in that case
   * the handle must be in read committed isolation (the default).
   *
   * @throws org.jdbi.v3.core.statement.StatementException if {@code args} is not valid JSON (this
   *     also aborts the caller's transaction)
   */
  public Job enqueue(Handle handle, JobRequest request) {
    Span span = JobSpans.enqueue(tracer, request);
    try (Scope ignored = span.makeCurrent()) {
      Job job = JobStore.insert(handle, Ids.newId(), request, JobSpans.traceParent(span));
      span.setAttribute(JobSpans.JOB_ID, job.id().toString());
      return job;
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
      throw e;
    } finally {
      span.end();
    }
  }

  /**
   * Enqueues in a transaction of its own, unless it is called inside a Jdbi callback on the same
   * thread: Jdbi then hands it the callback's handle, so it joins that transaction. Prefer
   * {@link #enqueue(Handle, JobRequest)} there, which says so.
   */
  public Job enqueue(JobRequest request) {
    return jdbi.inTransaction(h -> enqueue(h, request));
  }

  /**
   * Holds, until the transaction of {@code handle} ends, a lock on {@code partition} of
   * {@code queue} (a PostgreSQL transaction-level advisory lock on a hash of the two): callers
   * that count a partition's jobs and then enqueue into it under this lock cannot both pass a
   * limit. Call it inside a transaction; it waits while another transaction holds the lock.
   */
  public void lockPartition(Handle handle, String queue, String partition) {
    handle.createQuery("select 1 from (select pg_advisory_xact_lock(hashtextextended(:key, 0))) l")
        .bind("key", "jobs-partition:" + queue + ":" + partition)
        .mapTo(Integer.class).one();
  }

  /**
   * How many jobs of {@code queue} in {@code partition} have not finished (waiting, scheduled,
   * retryable or executing), read on the caller's handle. Under {@link #lockPartition} it counts
   * every committed insert of the callers that held the lock before.
   */
  public int countUnfinished(Handle handle, String queue, String partition) {
    return JobStore.countUnfinished(handle, queue, partition);
  }

  public Optional<Job> get(UUID id) {
    return jdbi.withHandle(h -> JobStore.find(h, id));
  }

  /**
   * Cancels a job that has not finished; a job already completed, discarded or cancelled is left
   * as it is. A running job is interrupted by its worker within a heartbeat interval and its
   * outcome is ignored. Returns the job as it is after the call, empty if there is no such job.
   */
  public Optional<Job> cancel(UUID id) {
    return jdbi.inTransaction(h -> JobStore.cancel(h, id));
  }

  /** Jobs per queue and state (states with no jobs are left out). Counts every row: keep it
   * cheap by pruning. */
  public List<QueueCount> counts() {
    return jdbi.withHandle(JobStore::counts);
  }

  /**
   * Unfinished jobs per queue and state, and per queue the age of the oldest job that is due but
   * not claimed, for metrics. Reads only unfinished rows (the partial indexes), however many
   * finished ones the table keeps, and gives up after {@code timeout} (a statement timeout), so a
   * scrape cannot load the database.
   */
  public Backlog backlog(Duration timeout) {
    return jdbi.inTransaction(h -> {
      h.execute("set local statement_timeout = " + Math.max(1, timeout.toMillis()));
      return JobStore.backlog(h);
    });
  }

  /** What {@link #backlog} saw: counts of unfinished jobs, and the oldest due job's age per queue. */
  public record Backlog(List<QueueCount> counts, java.util.Map<String, Duration> oldestDue) {}

  /** Per queue, how long the jobs that completed within {@code since} took to run. */
  public List<Durations> durations(Duration since) {
    return jdbi.withHandle(h -> JobStore.durations(h, since));
  }

  /**
   * Deletes completed, discarded and cancelled jobs that finished more than {@code olderThan} ago,
   * in batches. Returns how many were deleted. {@link Workers} call it periodically.
   */
  public int prune(Duration olderThan) {
    int total = 0;
    int deleted;
    do {
      deleted = jdbi.withHandle(h -> JobStore.pruneBatch(h, olderThan, PRUNE_BATCH));
      total += deleted;
    } while (deleted == PRUNE_BATCH);
    return total;
  }
}
