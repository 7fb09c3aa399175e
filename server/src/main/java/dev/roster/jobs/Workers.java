package dev.roster.jobs;

import io.opentelemetry.api.metrics.Meter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
 *
 * <p>Connections: the node's own bookkeeping (claims, heartbeats, rescue, pruning, counts) runs on
 * {@value #CONTROL_CONNECTIONS} threads that each hold at most one connection at a time, through
 * {@link Builder#control}; job handlers and the outcomes of their jobs use the builder's Jdbi. Given
 * a pool of its own of that size, the bookkeeping never waits for a connection behind job handlers
 * (or anything else), so a node whose handlers hold every connection still beats and claims.
 */
public final class Workers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Workers.class);
  private static final Comparator<Job> RUN_ORDER = Comparator.comparingInt(Job::priority)
      .thenComparing(Job::scheduledAt).thenComparing(Job::id);
  private static final long[] WRITE_RETRY_MILLIS = {0, 200, 1000};

  /**
   * Threads that touch the database for the node's bookkeeping, each one connection at a time: the
   * poller (claims, orphans), the heartbeat and two maintenance timers (rescue, pruning, counts,
   * cancellation checks, cron). A {@link Builder#control} pool of this size never makes them wait.
   */
  public static final int CONTROL_CONNECTIONS = 4;

  private final Jdbi jdbi;
  private final Jdbi control;
  private final NodeSettings settings;
  private final Map<String, JobHandler> handlers;
  private final io.opentelemetry.api.trace.Tracer tracer;
  private final Map<String, Queue> queues = new LinkedHashMap<>();
  private final Map<UUID, Execution> running = new ConcurrentHashMap<>();
  private final Semaphore wake = new Semaphore(0);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ScheduledExecutorService heartbeat;
  private final ScheduledThreadPoolExecutor timers;
  private final Maintenance maintenance;
  private final JobMetrics metrics;
  private final Thread poller;
  private volatile boolean stopping;
  private long lastPollWarning;

  private record Queue(String name, int limit, ExecutorService executor, AtomicInteger active) {}

  private Workers(Jdbi jdbi, Jdbi control, NodeSettings settings,
      Map<String, JobHandler> handlers, Meter meter, io.opentelemetry.api.trace.Tracer tracer) {
    this.tracer = tracer;
    this.jdbi = jdbi;
    this.metrics = new JobMetrics(meter);
    this.control = control;
    this.settings = settings;
    this.handlers = Map.copyOf(handlers);
    settings.queues().forEach((name, limit) -> queues.put(name, new Queue(name, limit,
        Executors.newFixedThreadPool(limit, daemon("jobs-" + name)), new AtomicInteger())));
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(daemon("jobs-heartbeat"));
    this.timers = new ScheduledThreadPoolExecutor(2, daemon("jobs-maintenance"));
    this.timers.setRemoveOnCancelPolicy(true);
    this.maintenance = new Maintenance(control, new JobQueue(control), settings, new RunningHere(),
        metrics);
    this.poller = daemon("jobs-poller").newThread(this::poll);
  }

  /** Starts configuring a node whose jobs live in {@code jdbi}'s database. */
  public static Builder builder(Jdbi jdbi) {
    return new WorkersBuilder(jdbi);
  }

  /** Starts a node; {@link Builder#start()} says what starting does. */
  static Workers start(Jdbi jdbi, Jdbi control, NodeSettings settings,
      Map<String, JobHandler> handlers, Meter meter, io.opentelemetry.api.trace.Tracer tracer) {
    return new Workers(jdbi, control, settings, handlers, meter, tracer).begin();
  }

  /** The tracer of job spans ({@link JobSpans#process}). */
  io.opentelemetry.api.trace.Tracer tracer() {
    return tracer;
  }

  /** This node's id, as recorded in {@code attempted_by} and {@code job_nodes}. */
  public String node() {
    return settings.node();
  }

  private Workers begin() {
    // The node row must exist before the first fetch, or a rescuer could take the new jobs back.
    control.useHandle(h -> JobStore.heartbeat(h, node()));
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
      control.useHandle(h -> JobStore.heartbeat(h, node()));
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
                control.withHandle(h -> JobStore.fetch(h, queue.name(), free, node())));
            jobs.sort(RUN_ORDER);
            jobs.forEach(job -> start(queue, job));
          }
        }
        // On this thread, so no job is between "claimed" and "registered as running".
        if (System.nanoTime() - lastCheck > settings.heartbeatInterval().toNanos()) {
          lastCheck = System.nanoTime();
          int orphans = control.withHandle(h -> JobStore.releaseOrphans(h, node(), running.keySet()));
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
    JobMetrics.Outcome outcome = execution.outcome();
    if (outcome != null && execution.started()) {
      metrics.ran(job, outcome, nanos);
    }
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
      control.useHandle(h -> JobStore.removeNode(h, node()));
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

  /** The running jobs as {@link Maintenance} may see them: their ids, and a way to cancel one. */
  private final class RunningHere implements Maintenance.RunningJobs {
    @Override
    public Set<UUID> ids() {
      return running.keySet();
    }

    @Override
    public void cancelled(UUID id) {
      Execution execution = running.get(id);
      if (execution != null) {
        execution.cancelled();
      }
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

  /**
   * Configures and starts {@link Workers}. Every setting has a default; methods return this
   * builder.
   */
  public interface Builder {
    /** Runs jobs of {@code kind} with {@code handler}. */
    Builder handler(String kind, JobHandler handler);

    /**
     * The database handle of the node's bookkeeping: claims, heartbeats, rescue, pruning, counts
     * (default: the builder's, shared with the outcomes of jobs). Give it a pool of
     * {@link #CONTROL_CONNECTIONS} connections that nothing else uses, so job handlers holding the
     * other pool's connections cannot delay a heartbeat or a claim.
     */
    Builder control(Jdbi control);

    /**
     * Opens a span per attempt with {@code tracer} ({@code process <kind>}, a new trace linked to
     * the span that enqueued the job), current while the handler runs, so the handler's own spans
     * (its SQL) are its children. By default a no-op tracer: no spans.
     */
    Builder tracer(io.opentelemetry.api.trace.Tracer tracer);

    /**
     * Runs the queue {@code name} with up to {@code concurrency} jobs at once on this node.
     *
     * @throws IllegalArgumentException if {@code concurrency} is under 1
     */
    Builder queue(String name, int concurrency);

    /**
     * Enqueues {@code request} once per {@code period} across all nodes (see {@link CronEntry}).
     */
    Builder cron(String name, Duration period, JobRequest request);

    /** This process's node id; the default is unique per process (host, pid, random). */
    Builder node(String node);

    /** How often to look for due jobs when idle (default 200 ms). */
    Builder pollInterval(Duration d);

    /** How often this node records that it is alive (default 2 s). */
    Builder heartbeatInterval(Duration d);

    /** How long a node may miss heartbeats before its running jobs are rescued (default 30 s). */
    Builder rescueAfter(Duration d);

    /** How long a failed attempt waits before the next one (default {@link Backoff#DEFAULT}). */
    Builder backoff(Backoff backoff);

    /** Timeout of jobs that set none (default 15 min). */
    Builder defaultTimeout(Duration d);

    /** Age after which finished jobs are deleted (default 7 days). */
    Builder pruneAfter(Duration d);

    /** How often this node prunes (default 1 min). */
    Builder pruneInterval(Duration d);

    /** How often to log counts per queue and state (default 1 min). */
    Builder statsInterval(Duration d);

    /** The grace of {@link Workers#close()} (default 25 s). */
    Builder shutdownGrace(Duration d);

    /**
     * Where the node reports job run times by kind and outcome, retries and rescues (default: an
     * OpenTelemetry no-op meter, so nothing is kept).
     */
    Builder meter(Meter meter);

    /**
     * Validates the settings, registers this node (its first heartbeat) and starts polling.
     *
     * @throws IllegalArgumentException if {@code rescueAfter} is under 3 heartbeat intervals, an
     *     interval is under 1 ms, two cron entries share a name, or a cron period is not shorter
     *     than the prune age
     */
    Workers start();
  }
}
