package dev.roster.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs on this process (a "node"): claims due jobs of its queues, each queue up to its own
 * concurrency, runs them with the handler registered for their kind, and records the outcome.
 * Beside that it beats a heartbeat, rescues the jobs of dead nodes, enqueues recurring jobs,
 * prunes old jobs and logs counts (see {@link Maintenance}).
 *
 * <pre>{@code
 * Workers workers = Workers.builder(jdbi)
 *     .queue("default", 10).queue("mail", 5)
 *     .handler("welcome_email", job -> mailer.sendWelcome(job.args()))
 *     .start();
 * ...
 * workers.close(Duration.ofSeconds(25));
 * }</pre>
 *
 * <p>Polling: one thread fetches for every queue with free slots every poll interval, and at once
 * when a job finishes. Everything the database decides (due, alive, timed out) uses its clock.
 */
public final class Workers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Workers.class);
  private static final Comparator<Job> RUN_ORDER = Comparator.comparingInt(Job::priority)
      .thenComparing(Job::scheduledAt).thenComparing(Job::id);
  private static final long[] WRITE_RETRY_MILLIS = {0, 200, 1000};

  final Jdbi jdbi;
  final Settings settings;
  private final Map<String, JobHandler> handlers;
  private final Map<String, Queue> queues = new LinkedHashMap<>();
  final Map<UUID, Execution> running = new ConcurrentHashMap<>();
  private final Semaphore wake = new Semaphore(0);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ScheduledExecutorService heartbeat;
  private final ScheduledThreadPoolExecutor timers;
  private final Maintenance maintenance;
  private final Thread poller;
  private volatile boolean stopping;
  private long lastPollWarning;

  /** Everything a node is configured with; see the {@link Builder} methods for meanings. */
  record Settings(String node, Map<String, Integer> queues, List<CronEntry> cron,
      Duration pollInterval, Duration heartbeatInterval, Duration rescueAfter, Backoff backoff,
      Duration defaultTimeout, Duration pruneAfter, Duration pruneInterval, Duration statsInterval,
      Duration shutdownGrace) {}

  private record Queue(String name, int limit, ExecutorService executor, AtomicInteger active) {}

  private Workers(Jdbi jdbi, Settings settings, Map<String, JobHandler> handlers) {
    this.jdbi = jdbi;
    this.settings = settings;
    this.handlers = Map.copyOf(handlers);
    settings.queues().forEach((name, limit) -> queues.put(name, new Queue(name, limit,
        Executors.newFixedThreadPool(limit, daemon("jobs-" + name)), new AtomicInteger())));
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(daemon("jobs-heartbeat"));
    this.timers = new ScheduledThreadPoolExecutor(2, daemon("jobs-maintenance"));
    this.timers.setRemoveOnCancelPolicy(true);
    this.maintenance = new Maintenance(this, new JobQueue(jdbi));
    this.poller = daemon("jobs-poller").newThread(this::poll);
  }

  public static Builder builder(Jdbi jdbi) {
    return new Builder(jdbi);
  }

  /** This node's id, as recorded in {@code attempted_by} and {@code job_nodes}. */
  public String node() {
    return settings.node();
  }

  private Workers begin() {
    // The node row must exist before the first fetch, or a rescuer could take the new jobs back.
    jdbi.useHandle(h -> JobStore.heartbeat(h, node()));
    long beat = settings.heartbeatInterval().toMillis();
    heartbeat.scheduleWithFixedDelay(this::beat, beat, beat, TimeUnit.MILLISECONDS);
    maintenance.schedule(timers);
    poller.start();
    log.info("job workers started on node {}: queues {}, {} kinds, {} recurring", node(),
        settings.queues(), handlers.size(), settings.cron().size());
    return this;
  }

  private void beat() {
    try {
      jdbi.useHandle(h -> JobStore.heartbeat(h, node()));
    } catch (RuntimeException e) {
      log.warn("job heartbeat failed (node {}): {}", node(), e.toString());
    }
  }

  private void poll() {
    long lastCheck = System.nanoTime();
    while (!stopping) {
      try {
        for (Queue queue : queues.values()) {
          int free = queue.limit() - queue.active().get();
          if (free > 0 && !stopping) {
            List<Job> jobs = new ArrayList<>(
                jdbi.withHandle(h -> JobStore.fetch(h, queue.name(), free, node())));
            jobs.sort(RUN_ORDER);
            jobs.forEach(job -> start(queue, job));
          }
        }
        // On this thread, so no job is between "claimed" and "registered as running".
        if (System.nanoTime() - lastCheck > settings.heartbeatInterval().toNanos()) {
          lastCheck = System.nanoTime();
          int orphans = jdbi.withHandle(h -> JobStore.releaseOrphans(h, node(), running.keySet()));
          if (orphans > 0) {
            log.warn("released {} jobs whose outcome was not recorded", orphans);
          }
        }
      } catch (RuntimeException e) {
        warnThrottled("job fetch failed: " + e);
      }
      try {
        wake.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        wake.drainPermits();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void start(Queue queue, Job job) {
    queue.active().incrementAndGet();
    Execution execution = new Execution(this, job, handlers.get(job.kind()));
    running.put(job.id(), execution);
    Duration timeout = job.timeout().orElse(settings.defaultTimeout());
    execution.timeoutTask(timers.schedule(() -> execution.timedOut(timeout),
        timeout.toMillis(), TimeUnit.MILLISECONDS));
    queue.executor().execute(execution);
  }

  /** Called by every execution when its thread is done with it (whatever the outcome). */
  void finished(Execution execution, boolean ok, long nanos) {
    Job job = execution.job();
    running.remove(job.id());
    queues.get(job.queue()).active().decrementAndGet();
    maintenance.stats().record(job.queue(), ok, nanos);
    wake.release();
  }

  void complete(Job job) {
    write(job, "complete", h -> JobStore.complete(h, job, node()));
  }

  void fail(Job job, String error) {
    Duration delay = settings.backoff().delay(job.attempt());
    write(job, "fail", h -> JobStore.fail(h, job, node(), error, delay));
  }

  void release(Job job) {
    write(job, "release", h -> JobStore.release(h, job, node()));
  }

  /**
   * Records an outcome, retrying briefly through a database blip. If it still fails, the job stays
   * executing under this node until the poller's orphan check gives it back.
   */
  private void write(Job job, String what, Function<Handle, Boolean> update) {
    for (int i = 0; i < WRITE_RETRY_MILLIS.length; i++) {
      try {
        Thread.sleep(WRITE_RETRY_MILLIS[i]);
        if (!jdbi.withHandle(update::apply)) {
          log.debug("job {} was taken from this attempt before it could {}", job.id(), what);
        }
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("could not {} job {} (try {}): {}", what, job.id(), i + 1, e.toString());
      }
    }
  }

  /** Closes with the configured shutdown grace. */
  @Override
  public void close() {
    close(settings.shutdownGrace());
  }

  /**
   * Stops fetching, lets running jobs finish within {@code grace}, then gives the unfinished ones
   * back to the queue (available at once, the interrupted attempt not counted) and interrupts
   * them, and removes this node's heartbeat row.
   */
  public void close(Duration grace) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + grace.toNanos();
    stopping = true;
    wake.release();
    try {
      poller.join(Math.max(1, grace.toMillis()));
      for (Queue queue : queues.values()) {
        queue.executor().shutdown();
      }
      for (Queue queue : queues.values()) {
        queue.executor().awaitTermination(
            Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<Execution> unfinished = new ArrayList<>(running.values());
    unfinished.forEach(Execution::release);
    timers.shutdownNow();
    heartbeat.shutdownNow();
    try {
      jdbi.useHandle(h -> JobStore.removeNode(h, node()));
    } catch (RuntimeException e) {
      log.warn("could not remove node {}: {}", node(), e.toString());
    }
    log.info("job workers stopped on node {}; {} unfinished jobs given back", node(),
        unfinished.size());
  }

  private void warnThrottled(String message) {
    long now = System.nanoTime();
    if (now - lastPollWarning > TimeUnit.SECONDS.toNanos(10)) {
      lastPollWarning = now;
      log.warn(message);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Configures and starts {@link Workers}. Every setting has a default. */
  public static final class Builder {
    private final Jdbi jdbi;
    private final Map<String, JobHandler> handlers = new HashMap<>();
    private final Map<String, Integer> queues = new LinkedHashMap<>();
    private final List<CronEntry> cron = new ArrayList<>();
    private String node = defaultNode();
    private Duration pollInterval = Duration.ofMillis(200);
    private Duration heartbeatInterval = Duration.ofSeconds(2);
    private Duration rescueAfter = Duration.ofSeconds(30);
    private Backoff backoff = Backoff.DEFAULT;
    private Duration defaultTimeout = Duration.ofMinutes(15);
    private Duration pruneAfter = Duration.ofDays(7);
    private Duration pruneInterval = Duration.ofMinutes(1);
    private Duration statsInterval = Duration.ofMinutes(1);
    private Duration shutdownGrace = Duration.ofSeconds(25);

    private Builder(Jdbi jdbi) {
      this.jdbi = jdbi;
    }

    /** Runs jobs of {@code kind} with {@code handler}. */
    public Builder handler(String kind, JobHandler handler) {
      handlers.put(kind, handler);
      return this;
    }

    /** Runs the queue {@code name} with up to {@code concurrency} jobs at once on this node. */
    public Builder queue(String name, int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("queue concurrency must be at least 1");
      }
      queues.put(name, concurrency);
      return this;
    }

    /** Enqueues {@code request} once per {@code period} across all nodes (see {@link CronEntry}). */
    public Builder cron(String name, Duration period, JobRequest request) {
      cron.add(new CronEntry(name, period, request));
      return this;
    }

    /** This process's node id; the default is unique per process (host, pid, random). */
    public Builder node(String node) {
      this.node = node;
      return this;
    }

    /** How often to look for due jobs when idle (default 200 ms). */
    public Builder pollInterval(Duration d) {
      this.pollInterval = d;
      return this;
    }

    /** How often this node records that it is alive (default 2 s). */
    public Builder heartbeatInterval(Duration d) {
      this.heartbeatInterval = d;
      return this;
    }

    /** How long a node may miss heartbeats before its running jobs are rescued (default 30 s). */
    public Builder rescueAfter(Duration d) {
      this.rescueAfter = d;
      return this;
    }

    public Builder backoff(Backoff backoff) {
      this.backoff = backoff;
      return this;
    }

    /** Timeout of jobs that set none (default 15 min). */
    public Builder defaultTimeout(Duration d) {
      this.defaultTimeout = d;
      return this;
    }

    /** Age after which finished jobs are deleted (default 7 days). */
    public Builder pruneAfter(Duration d) {
      this.pruneAfter = d;
      return this;
    }

    /** How often this node prunes (default 1 min). */
    public Builder pruneInterval(Duration d) {
      this.pruneInterval = d;
      return this;
    }

    /** How often to log counts per queue and state (default 1 min). */
    public Builder statsInterval(Duration d) {
      this.statsInterval = d;
      return this;
    }

    /** The grace of {@link Workers#close()} (default 25 s). */
    public Builder shutdownGrace(Duration d) {
      this.shutdownGrace = d;
      return this;
    }

    /**
     * Validates the settings, registers this node (its first heartbeat) and starts polling.
     *
     * @throws IllegalArgumentException if {@code rescueAfter} is under 3 heartbeat intervals, an
     *     interval is under 1 ms, two cron entries share a name, or a cron period is not shorter
     *     than the prune age
     */
    public Workers start() {
      if (rescueAfter.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
        throw new IllegalArgumentException("rescueAfter must be at least 3 heartbeat intervals");
      }
      for (Duration d : List.of(pollInterval, heartbeatInterval, defaultTimeout, pruneInterval,
          statsInterval)) {
        if (d.toMillis() < 1) {
          throw new IllegalArgumentException("intervals and timeouts must be at least 1 ms");
        }
      }
      Set<String> names = new java.util.HashSet<>();
      for (CronEntry entry : cron) {
        if (!names.add(entry.name())) {
          throw new IllegalArgumentException("two cron entries named " + entry.name());
        }
        if (entry.period().compareTo(pruneAfter) >= 0) {
          throw new IllegalArgumentException("cron period of " + entry.name()
              + " must be shorter than the prune age, or it could run twice in a period");
        }
      }
      Settings settings = new Settings(node, Map.copyOf(queues), List.copyOf(cron), pollInterval,
          heartbeatInterval, rescueAfter, backoff, defaultTimeout, pruneAfter, pruneInterval,
          statsInterval, shutdownGrace);
      return new Workers(jdbi, settings, handlers).begin();
    }

    private static String defaultNode() {
      String host = System.getenv().getOrDefault("HOSTNAME", "node");
      return host + "-" + ProcessHandle.current().pid() + "-"
          + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0x1000000));
    }
  }
}
