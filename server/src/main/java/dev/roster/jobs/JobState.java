package dev.roster.jobs;

import java.util.Locale;

/**
 * Where a job is in its life. A job is inserted {@link #AVAILABLE} (or {@link #SCHEDULED} when it
 * should run later), becomes {@link #EXECUTING} when a worker claims it, and ends
 * {@link #COMPLETED}, {@link #DISCARDED} (out of attempts) or {@link #CANCELLED}. A failed attempt
 * with attempts left makes it {@link #RETRYABLE} until its backoff has passed.
 */
public enum JobState {
  /** Waiting to run now. */
  AVAILABLE,
  /** Inserted with a run-at time in the future; runs once that time has come. */
  SCHEDULED,
  /** Claimed by a worker node, running. */
  EXECUTING,
  /** Failed, waiting for its backoff to pass before the next attempt. */
  RETRYABLE,
  /** Ran successfully. Final. */
  COMPLETED,
  /** Failed on its last attempt; the last error is kept. Final. */
  DISCARDED,
  /** Cancelled before it finished. Final. */
  CANCELLED;

  /** True for the states a job never leaves. */
  public boolean isFinal() {
    return this == COMPLETED || this == DISCARDED || this == CANCELLED;
  }

  String sql() {
    return name().toLowerCase(Locale.ROOT);
  }

  static JobState fromSql(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
