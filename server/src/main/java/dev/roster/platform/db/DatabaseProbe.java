package dev.roster.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether the database answers, and feeds {@link DatabaseAvailability}: every
 * {@code interval} it runs {@code select 1} on a JDBC connection of its own (not pooled, named
 * {@code roster-health} in {@code pg_stat_activity}) and gives it {@code timeout} to answer.
 *
 * <p>The timeout holds whatever the database does, frozen included (a stopped host or a SIGSTOPped
 * server accepts TCP connections but never answers): the probe runs on a thread of its own while
 * the probe's scheduler waits for it at most {@code timeout}; no answer in time is a failure, and
 * the connection is aborted (its socket closed) and opened again on the next probe. The driver's
 * own timeouts (connect, login, socket) bound the probe's thread too, so it never stays stuck.
 *
 * <p>Hysteresis, so a single slow answer does not flip it: the database goes down after
 * {@value #FAILURES_TO_DOWN} consecutive failures and comes back after {@value #SUCCESSES_TO_UP}
 * consecutive successes. A failure counts once per probe interval it lasted (at least once): a
 * probe that got no answer for a whole {@code timeout} of 1 s at an interval of 500 ms is the two
 * failed probes that would have run meanwhile, so a frozen database is down after one timeout,
 * and a refused connection after two probes. The first probe, before the server listens, decides
 * alone (no history yet).
 */
public final class DatabaseProbe implements AutoCloseable {
  /** Consecutive failures (counted per interval) that make the database down. */
  public static final int FAILURES_TO_DOWN = 2;
  /** Consecutive successes that make it up again. */
  public static final int SUCCESSES_TO_UP = 2;
  /** {@code application_name} of the probe's connection. */
  public static final String APPLICATION_NAME = "roster-health";

  private static final Logger log = LoggerFactory.getLogger(DatabaseProbe.class);

  private final Database.Settings settings;
  private final long intervalNanos;
  private final long timeoutNanos;
  private final DatabaseAvailability availability;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
      r -> daemon(r, "roster-db-probe"));
  private final ExecutorService io = Executors.newSingleThreadExecutor(
      r -> daemon(r, "roster-db-probe-io"));

  // Written by the io thread (open, close after a failure) and by the scheduler (abort on timeout).
  private volatile Connection connection;
  // Only the scheduler's thread touches these.
  private Future<?> inFlight;
  private int failures;
  private int successes;

  private DatabaseProbe(Database.Settings settings, Duration interval, Duration timeout) {
    this.settings = settings;
    this.intervalNanos = interval.toNanos();
    this.timeoutNanos = timeout.toNanos();
    Outcome first = probe();
    this.availability = new DatabaseAvailability(first.ok());
    if (first.ok()) {
      log.info("database probe: the database answers (probing every {} ms, {} ms to answer)",
          interval.toMillis(), timeout.toMillis());
    } else {
      failures = FAILURES_TO_DOWN;
      log.warn("database probe: the database does not answer: {}", first.cause());
    }
  }

  /**
   * Probes once now (so {@link #availability()} starts with a fact), then every {@code interval}
   * (between the end of one probe and the start of the next), each within {@code timeout}.
   * The connection is opened with {@code settings}' URL and credentials.
   */
  public static DatabaseProbe start(Database.Settings settings, Duration interval,
      Duration timeout) {
    DatabaseProbe probe = new DatabaseProbe(settings, interval, timeout);
    probe.scheduler.scheduleWithFixedDelay(probe::tick, probe.intervalNanos, probe.intervalNanos,
        TimeUnit.NANOSECONDS);
    return probe;
  }

  /** The probe's decision, kept current until {@link #close()}. */
  public DatabaseAvailability availability() {
    return availability;
  }

  private void tick() {
    try {
      Outcome outcome = probe();
      if (outcome.ok()) {
        failures = 0;
        successes++;
        if (successes >= SUCCESSES_TO_UP && !availability.up()) {
          log.info("database probe: the database answers again; health SERVING, calls admitted");
          availability.report(true);
        }
      } else {
        successes = 0;
        failures += (int) Math.max(1, Math.min(FAILURES_TO_DOWN, outcome.nanos() / intervalNanos));
        log.debug("database probe failed: {}", outcome.cause());
        if (failures >= FAILURES_TO_DOWN && availability.up()) {
          log.warn("database probe: the database does not answer ({}); health NOT_SERVING, calls"
              + " refused with DATABASE_UNAVAILABLE until it does", outcome.cause());
          availability.report(false);
        }
      }
    } catch (RuntimeException e) {
      // Never let the schedule die: a dead probe would leave the last verdict standing for good.
      log.error("database probe failed unexpectedly", e);
    }
  }

  /** Runs (or keeps waiting for) one probe on the io thread, at most the timeout. */
  private Outcome probe() {
    long start = System.nanoTime();
    if (inFlight == null || inFlight.isDone()) {
      // A probe still stuck from before (a connect the driver has not given up yet) is waited for
      // again rather than queued behind: at most one probe thread, never a backlog.
      inFlight = io.submit(() -> {
        selectOne();
        return null;
      });
    }
    try {
      inFlight.get(timeoutNanos, TimeUnit.NANOSECONDS);
      return new Outcome(true, null, System.nanoTime() - start);
    } catch (TimeoutException e) {
      abort();
      return new Outcome(false, "no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
          + " ms", System.nanoTime() - start);
    } catch (ExecutionException e) {
      return new Outcome(false, e.getCause().toString(), System.nanoTime() - start);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(false, "interrupted", System.nanoTime() - start);
    }
  }

  /** On the io thread: {@code select 1}, opening the connection first if there is none. */
  private void selectOne() throws SQLException {
    Connection c = connection;
    if (c == null) {
      c = open();
      connection = c;
    }
    try (Statement statement = c.createStatement()) {
      statement.execute("select 1");
    } catch (SQLException e) {
      connection = null;
      try {
        c.close();
      } catch (SQLException ignored) {
        // it is being dropped anyway
      }
      throw e;
    }
  }

  private Connection open() throws SQLException {
    String seconds = Long.toString(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(timeoutNanos
        + 999_999_999L)));
    Properties properties = new Properties();
    properties.setProperty("user", settings.user());
    properties.setProperty("password", settings.password());
    properties.setProperty("connectTimeout", seconds);
    properties.setProperty("loginTimeout", seconds);
    properties.setProperty("socketTimeout", seconds);
    properties.setProperty("tcpKeepAlive", "true");
    properties.setProperty("ApplicationName", APPLICATION_NAME);
    Connection c = DriverManager.getConnection(settings.url(), properties);
    // The driver's socket timeout counts whole seconds; reads of the probe get the exact timeout.
    c.setNetworkTimeout(Runnable::run, (int) Math.max(1,
        TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
    return c;
  }

  /** Closes the probe connection's socket at once, whatever the io thread is doing with it. */
  private void abort() {
    Connection c = connection;
    if (c != null) {
      connection = null;
      try {
        c.abort(Runnable::run);
      } catch (SQLException | RuntimeException e) {
        log.debug("could not abort the probe connection: {}", e.toString());
      }
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    abort();
    io.shutdownNow();
  }

  private static Thread daemon(Runnable task, String name) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    return t;
  }

  private record Outcome(boolean ok, String cause, long nanos) {}
}
