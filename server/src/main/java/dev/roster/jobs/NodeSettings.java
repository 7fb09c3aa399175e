package dev.roster.jobs;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a node of {@link Workers} is configured with; {@link Workers.Builder} documents each
 * setting and its default. The constructor throws IllegalArgumentException if {@code rescueAfter}
 * is under 3 heartbeat intervals, an interval is under 1 ms, two cron entries share a name, or a
 * cron period is not shorter than the prune age, so Workers and {@link Maintenance} never see
 * such settings.
 */
record NodeSettings(String node, Map<String, Integer> queues, List<CronEntry> cron,
    Duration pollInterval, Duration heartbeatInterval, Duration rescueAfter, Backoff backoff,
    Duration defaultTimeout, Duration pruneAfter, Duration pruneInterval, Duration statsInterval,
    Duration shutdownGrace) {

  NodeSettings {
    // A node that misses one or two beats (a GC pause, a slow database) must not lose its jobs.
    if (rescueAfter.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
      throw new IllegalArgumentException("rescueAfter must be at least 3 heartbeat intervals");
    }
    for (Duration d : List.of(pollInterval, heartbeatInterval, defaultTimeout, pruneInterval,
        statsInterval)) {
      if (d.toMillis() < 1) {
        throw new IllegalArgumentException("intervals and timeouts must be at least 1 ms");
      }
    }
    Set<String> names = new HashSet<>();
    for (CronEntry entry : cron) {
      if (!names.add(entry.name())) {
        throw new IllegalArgumentException("two cron entries named " + entry.name());
      }
      // The unique key of a period's job lives as long as the job row; once pruned, the same
      // period could be enqueued again.
      if (entry.period().compareTo(pruneAfter) >= 0) {
        throw new IllegalArgumentException("cron period of " + entry.name()
            + " must be shorter than the prune age, or it could run twice in a period");
      }
    }
    queues = Map.copyOf(queues);
    cron = List.copyOf(cron);
  }
}
