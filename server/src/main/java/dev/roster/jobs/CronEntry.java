package dev.roster.jobs;

import java.time.Duration;
import java.util.Objects;

/**
 * A recurring job: {@code request} is enqueued once per {@code period}, however many nodes run
 * {@link Workers}. Periods are fixed windows counted from the Unix epoch (a 1-hour period starts on
 * the hour, UTC). Every node tries to insert the job of the current period, as a unique job whose
 * window is the period and whose run-at time is the period's start; the unique index lets one
 * insert win. A node started mid-period enqueues the current period's job if no node has yet.
 *
 * @param name    identifies the entry in logs; names must differ within one {@link Workers}
 * @param period  at least 1 second, and shorter than the prune age (a pruned job frees its key)
 * @param request what to enqueue; its own run-at time and unique window are replaced
 */
public record CronEntry(String name, Duration period, JobRequest request) {
  public CronEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(request, "request");
    if (period.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("cron period must be at least 1 second");
    }
  }
}
