package dev.roster.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A job to enqueue. Start from {@link #of} and adjust with the {@code with...} methods, which
 * return copies:
 *
 * <pre>{@code
 * JobRequest.of("welcome_email", "{\"user_id\": \"...\"}")
 *     .withQueue("mail")
 *     .withUnique(Duration.ofHours(1));
 * }</pre>
 *
 * <p><b>Uniqueness.</b> With {@link #withUnique(Duration) a window}, the job gets a key made of
 * its kind, a SHA-256 of its canonical args (so key order and spacing do not matter), the window
 * length, and the number of the window its run-at time falls in, counting fixed windows from the
 * Unix epoch ({@code floor(scheduled_at / window)}). A unique index on that key makes a second
 * insert of the same kind and args in the same window return the first job instead, also when the
 * two inserts race. The windows are fixed, not sliding: two requests a moment apart on either side
 * of a window boundary both insert. The first job keeps the key whatever becomes of it (completed,
 * discarded or cancelled) until it is pruned, so a window longer than the prune age is cut short.
 *
 * @param kind        which {@link JobHandler} runs it, at most 200 characters
 * @param args        JSON text passed to the handler (the database rejects malformed JSON)
 * @param queue       the named queue, default {@code "default"}
 * @param priority    0 (highest, the default) to 9; ties run by run-at time, then insertion order
 * @param scheduledAt run-at time; empty means now (the database's clock)
 * @param maxAttempts attempts before the job is discarded, default 20
 * @param timeout     how long one attempt may run; empty means the worker's default
 * @param unique      the uniqueness window, if the job is unique
 * @param partition   the fairness partition (e.g. a tenant's id), if any: a queue's partitioned
 *     jobs are claimed partition by partition (see {@link #withPartition(String)})
 * @throws IllegalArgumentException (from the constructor and every {@code with...} method) for a
 *     blank or over-long kind, queue or partition, a priority outside 0 to 9, max attempts under
 *     1, or a timeout or window under 1 ms
 */
public record JobRequest(
    String kind,
    String args,
    String queue,
    int priority,
    Optional<Instant> scheduledAt,
    int maxAttempts,
    Optional<Duration> timeout,
    Optional<Duration> unique,
    Optional<String> partition) {

  public static final String DEFAULT_QUEUE = "default";
  public static final int DEFAULT_MAX_ATTEMPTS = 20;

  public JobRequest {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(args, "args");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(scheduledAt, "scheduledAt");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(unique, "unique");
    Objects.requireNonNull(partition, "partition");
    require(!kind.isBlank() && kind.length() <= 200, "kind must be 1 to 200 characters");
    require(!queue.isBlank() && queue.length() <= 100, "queue must be 1 to 100 characters");
    require(priority >= 0 && priority <= 9, "priority must be 0 to 9");
    require(maxAttempts >= 1, "maxAttempts must be at least 1");
    require(timeout.map(t -> t.toMillis() > 0).orElse(true), "timeout must be at least 1 ms");
    require(unique.map(w -> w.toMillis() > 0).orElse(true), "unique window must be at least 1 ms");
    require(partition.map(p -> !p.isBlank() && p.length() <= 200).orElse(true),
        "partition must be 1 to 200 characters");
  }

  /** A job of {@code kind} with {@code args} (JSON), on the default queue, with the defaults. */
  public static JobRequest of(String kind, String args) {
    return new JobRequest(kind, args, DEFAULT_QUEUE, 0, Optional.empty(), DEFAULT_MAX_ATTEMPTS,
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  public JobRequest withQueue(String queue) {
    return new JobRequest(kind, args, queue, priority, scheduledAt, maxAttempts, timeout, unique,
        partition);
  }

  public JobRequest withPriority(int priority) {
    return new JobRequest(kind, args, queue, priority, scheduledAt, maxAttempts, timeout, unique,
        partition);
  }

  /** Runs the job no earlier than {@code runAt}. */
  public JobRequest withScheduledAt(Instant runAt) {
    return new JobRequest(kind, args, queue, priority, Optional.of(runAt), maxAttempts, timeout,
        unique, partition);
  }

  public JobRequest withMaxAttempts(int maxAttempts) {
    return new JobRequest(kind, args, queue, priority, scheduledAt, maxAttempts, timeout, unique,
        partition);
  }

  public JobRequest withTimeout(Duration timeout) {
    return new JobRequest(kind, args, queue, priority, scheduledAt, maxAttempts,
        Optional.of(timeout), unique, partition);
  }

  /** Makes the job unique within a window (see the class comment). */
  public JobRequest withUnique(Duration window) {
    return new JobRequest(kind, args, queue, priority, scheduledAt, maxAttempts, timeout,
        Optional.of(window), partition);
  }

  /**
   * Puts the job in a fairness partition, such as the id of the tenant it works for. When a queue
   * has partitioned jobs waiting, a worker claims next from the partition with the fewest jobs
   * executing, then from the one served least recently, and only then by priority, run-at time and
   * insertion order: one partition's backlog does not delay another's job. Jobs without a partition
   * in such a queue share one partition. The fair claim sorts the queue's due jobs, so keep a
   * partitioned queue's backlog bounded (exports cap it per organization).
   */
  public JobRequest withPartition(String partition) {
    return new JobRequest(kind, args, queue, priority, scheduledAt, maxAttempts, timeout, unique,
        Optional.of(partition));
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
