package dev.roster.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic work of a node besides running jobs: rescue of dead nodes' jobs, interrupting
 * cancelled jobs, recurring jobs, pruning and the counts log line. Every node does all of it;
 * each task is safe to run on many nodes at once.
 */
final class Maintenance {
  private static final Logger log = LoggerFactory.getLogger(Maintenance.class);

  private final Jdbi jdbi;
  private final JobQueue queue;
  private final NodeSettings settings;
  private final RunningJobs running;
  private final JobMetrics metrics;
  private final Stats stats = new Stats();
  /** Per cron entry, the start (epoch ms) of the last period this node enqueued. */
  private final Map<String, Long> lastPeriod = new HashMap<>();

  /** The jobs running on this node, as far as maintenance may see and touch them. */
  interface RunningJobs {
    /** Ids of the jobs running here now. */
    Set<UUID> ids();

    /** Interrupts the job {@code id} if it still runs here: it was cancelled. */
    void cancelled(UUID id);
  }

  Maintenance(Jdbi jdbi, JobQueue queue, NodeSettings settings, RunningJobs running,
      JobMetrics metrics) {
    this.jdbi = jdbi;
    this.metrics = metrics;
    this.queue = queue;
    this.settings = settings;
    this.running = running;
  }

  Stats stats() {
    return stats;
  }

  void schedule(ScheduledExecutorService timers) {
    every(timers, settings.heartbeatInterval(), "rescue", this::rescue);
    every(timers, settings.heartbeatInterval(), "cancellation check", this::interruptCancelled);
    every(timers, settings.pruneInterval(), "prune", this::prune);
    every(timers, settings.statsInterval(), "stats", this::logStats);
    if (!settings.cron().isEmpty()) {
      Duration shortest = settings.cron().stream().map(CronEntry::period).min(Duration::compareTo)
          .orElseThrow();
      Duration tick = shortest.dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0
          ? shortest.dividedBy(4) : Duration.ofSeconds(1);
      timers.execute(() -> guarded("cron", this::enqueueRecurring));
      every(timers, tick, "cron", this::enqueueRecurring);
    }
  }

  private static void every(ScheduledExecutorService timers, Duration period, String what,
      Runnable task) {
    timers.scheduleWithFixedDelay(() -> guarded(what, task), period.toMillis(), period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** A scheduled task that throws is never run again; log and carry on instead. */
  private static void guarded(String what, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.warn("job {} failed: {}", what, e.toString());
    }
  }

  private void rescue() {
    List<JobStore.Rescued> rescued =
        jdbi.inTransaction(h -> JobStore.rescue(h, settings.rescueAfter()));
    metrics.rescued(rescued);
    if (!rescued.isEmpty()) {
      log.warn("rescued {} jobs from nodes that stopped beating for {}", rescued.size(),
          settings.rescueAfter());
    }
  }

  private void interruptCancelled() {
    List<UUID> ids = List.copyOf(running.ids());
    if (ids.isEmpty()) {
      return;
    }
    for (UUID id : jdbi.withHandle(h -> JobStore.cancelledAmong(h, ids))) {
      running.cancelled(id);
    }
  }

  /**
   * Enqueues each entry's job for the current period, once per period per node; the unique key
   * (the same on every node: the period's start is computed from the database's clock) lets
   * one node's insert win.
   */
  private synchronized void enqueueRecurring() {
    Instant now = jdbi.withHandle(JobStore::now);
    for (CronEntry entry : settings.cron()) {
      long periodMs = entry.period().toMillis();
      long start = Math.floorDiv(now.toEpochMilli(), periodMs) * periodMs;
      if (lastPeriod.getOrDefault(entry.name(), Long.MIN_VALUE) == start) {
        continue;
      }
      Job job = queue.enqueue(entry.request()
          .withScheduledAt(Instant.ofEpochMilli(start))
          .withUnique(entry.period()));
      lastPeriod.put(entry.name(), start);
      log.debug("cron {}: period {} has job {}", entry.name(), Instant.ofEpochMilli(start),
          job.id());
    }
  }

  private void prune() {
    int pruned = queue.prune(settings.pruneAfter());
    if (pruned > 0) {
      log.info("pruned {} jobs finished more than {} ago", pruned, settings.pruneAfter());
    }
  }

  private void logStats() {
    Map<String, String> counts = queue.counts().stream().collect(Collectors.groupingBy(
        QueueCount::queue, TreeMap::new, Collectors.mapping(
            c -> c.state().sql() + "=" + c.count(), Collectors.joining(" "))));
    log.info("jobs {} | node {} in the last {}: {}", counts, settings.node(),
        settings.statsInterval(), stats.drain());
  }

  /** This node's attempts since the last log line, per queue. */
  static final class Stats {
    private final Map<String, long[]> perQueue = new TreeMap<>();

    /** Per queue: succeeded, failed, total nanos, max nanos. */
    synchronized void record(String queue, boolean ok, long nanos) {
      long[] s = perQueue.computeIfAbsent(queue, q -> new long[4]);
      s[ok ? 0 : 1]++;
      s[2] += nanos;
      s[3] = Math.max(s[3], nanos);
    }

    synchronized String drain() {
      if (perQueue.isEmpty()) {
        return "nothing ran";
      }
      String text = perQueue.entrySet().stream().map(e -> {
        long[] s = e.getValue();
        long n = s[0] + s[1];
        return e.getKey() + "[ok=" + s[0] + " failed=" + s[1] + " mean="
            + TimeUnit.NANOSECONDS.toMillis(s[2] / n) + "ms max="
            + TimeUnit.NANOSECONDS.toMillis(s[3]) + "ms]";
      }).collect(Collectors.joining(" "));
      perQueue.clear();
      return text;
    }
  }
}
