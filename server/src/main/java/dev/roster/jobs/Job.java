package dev.roster.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A job as stored: what to run ({@code kind} with its JSON {@code args}), where ({@code queue}),
 * and how far it got. {@code args} is PostgreSQL's canonical text of the JSON given at enqueue
 * (keys sorted, whitespace normalised), not necessarily the same characters.
 *
 * @param id           UUIDv7, so ids sort by insertion time
 * @param priority     0 (highest) to 9
 * @param attempt      attempts started so far, this one included while it runs
 * @param timeout      the job's own timeout; empty means the worker's default
 * @param scheduledAt  when it may run (next): its run-at time, or the end of its retry backoff
 * @param attemptedAt  when the latest attempt started
 * @param attemptedBy  the worker node that ran the latest attempt
 * @param lastError    the error of the latest failed attempt (kept when the job is discarded)
 * @param uniqueKey    set for unique jobs: kind, args hash, window and window number
 * @param traceParent  the W3C traceparent of the span that enqueued it, if it was enqueued in a
 *                     trace; the job's span links to it
 */
public record Job(
    UUID id,
    String queue,
    String kind,
    String args,
    int priority,
    JobState state,
    int attempt,
    int maxAttempts,
    Optional<Duration> timeout,
    Instant insertedAt,
    Instant scheduledAt,
    Optional<Instant> attemptedAt,
    Optional<String> attemptedBy,
    Optional<Instant> completedAt,
    Optional<Instant> discardedAt,
    Optional<Instant> cancelledAt,
    Optional<String> lastError,
    Optional<String> uniqueKey,
    Optional<String> traceParent) {

  /** A job enqueued outside any trace. */
  public Job(UUID id, String queue, String kind, String args, int priority, JobState state,
      int attempt, int maxAttempts, Optional<Duration> timeout, Instant insertedAt,
      Instant scheduledAt, Optional<Instant> attemptedAt, Optional<String> attemptedBy,
      Optional<Instant> completedAt, Optional<Instant> discardedAt, Optional<Instant> cancelledAt,
      Optional<String> lastError, Optional<String> uniqueKey) {
    this(id, queue, kind, args, priority, state, attempt, maxAttempts, timeout, insertedAt,
        scheduledAt, attemptedAt, attemptedBy, completedAt, discardedAt, cancelledAt, lastError,
        uniqueKey, Optional.empty());
  }

  /** How long the successful attempt took, for a completed job. */
  public Optional<Duration> duration() {
    return completedAt.flatMap(done -> attemptedAt.map(start -> Duration.between(start, done)));
  }
}
