package dev.roster.platform.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named connection pool (HikariCP) and its Jdbi handle on Roster's PostgreSQL. Every
 * connection has driver timeouts set, so a database that stops answering fails calls instead of
 * hanging them, and carries the pool's name as its {@code application_name}, so
 * {@code pg_stat_activity} shows which pool a backend belongs to. {@link DatabasePools} opens the
 * pools a server needs; {@link #open} is the single pool of tools and tests.
 *
 * <p>It keeps the statements that are running (from execution until the statement is closed), so
 * that closing can cancel them on the server first ({@link #close}) and a database that stopped
 * answering can be let go of at once ({@link #abortRunning}). A call that finds every connection
 * busy for the acquire timeout gets {@link DatabasePoolExhaustedException}.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  /**
   * pgjdbc's {@code cancelSignalTimeout} ceiling, in seconds (the driver's default is 10): how long
   * sending one cancel request may block (it opens a connection of its own), and so how long a
   * statement that was being cancelled can take to return once its connection fails.
   */
  static final int CANCEL_SIGNAL_TIMEOUT_SECONDS = 2;
  /** How long {@link #close} waits for cancelled statements to return before aborting them. */
  static final Duration CLOSE_WAIT =
      Duration.ofSeconds(CANCEL_SIGNAL_TIMEOUT_SECONDS).plusMillis(500);

  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
  private final Set<Statement> running = ConcurrentHashMap.newKeySet();

  private Database(HikariDataSource dataSource) {
    this.dataSource = dataSource;
    this.jdbi = Jdbi.create(this::acquire).installPlugin(new PostgresPlugin());
    // Every statement gets the calling RPC's remaining time and can be cancelled with it, and is
    // known as running until it is closed (failed, or its results read).
    this.jdbi.addCustomizer(new StatementCustomizer() {
      @Override
      public void beforeExecution(PreparedStatement statement, StatementContext ctx)
          throws SQLException {
        CallScope.beforeStatement(statement);
        running.add(statement);
        ctx.addCleanable(() -> running.remove(statement));
      }

      @Override
      public void afterExecution(PreparedStatement statement, StatementContext ctx) {
        CallScope.afterStatement();
      }
    });
  }

  /**
   * Settings for the pool; durations are rounded up to whole seconds where the driver wants them.
   * {@code poolSize} is the size of the pool {@link #open} opens; {@link DatabasePools} sizes each
   * of its pools itself.
   *
   * <p>{@code directUrl} is where migrations go (Flyway takes a session-level advisory lock and
   * runs its DDL over several transactions on one connection): the PostgreSQL server itself when
   * {@code url} is a transaction-pooling PgBouncer; the same as {@code url} otherwise.
   * {@code prepareThreshold} is pgjdbc's: after how many executions a statement becomes a named
   * server-side prepared statement; 0 never, which a transaction-pooling PgBouncer before 1.21
   * needs (the next transaction may run on another server connection, where the statement does
   * not exist). Both apply to the pools; migrations keep the driver's default threshold.
   */
  public record Settings(
      String url,
      String user,
      String password,
      int poolSize,
      Duration connectTimeout,
      Duration socketTimeout,
      Duration acquireTimeout,
      String directUrl,
      int prepareThreshold) {

    /** pgjdbc's default {@code prepareThreshold}. */
    public static final int DRIVER_PREPARE_THRESHOLD = 5;

    /** Settings with migrations on {@code url} and the driver's default prepare threshold. */
    public Settings(String url, String user, String password, int poolSize,
        Duration connectTimeout, Duration socketTimeout, Duration acquireTimeout) {
      this(url, user, password, poolSize, connectTimeout, socketTimeout, acquireTimeout, url,
          DRIVER_PREPARE_THRESHOLD);
    }

    /** The same settings with {@code acquireTimeout} replaced. */
    Settings withAcquireTimeout(Duration timeout) {
      return new Settings(url, user, password, poolSize, connectTimeout, socketTimeout, timeout,
          directUrl, prepareThreshold);
    }

    /** The same settings on the direct URL (migrations, session needs). */
    Settings direct() {
      return new Settings(directUrl, user, password, poolSize, connectTimeout, socketTimeout,
          acquireTimeout, directUrl, DRIVER_PREPARE_THRESHOLD);
    }
  }

  /**
   * Migrates the schema to the latest version, then opens one pool named {@code roster-db} of
   * {@code settings.poolSize()} connections. Fails at once if the database cannot be reached (an
   * orchestrator restarts the process; no retry loop here).
   */
  public static Database open(Settings settings) {
    migrate(settings);
    return pool("roster-db", settings.poolSize(), settings);
  }

  /**
   * Opens a fixed-size pool of {@code size} connections named {@code name} (Hikari's pool name and
   * the connections' {@code application_name}), without migrating.
   *
   * @throws RuntimeException whatever opening the first connection throws
   */
  static Database pool(String name, int size, Settings settings) {
    return pool(name, size, settings, null);
  }

  /**
   * As {@link #pool(String, int, Settings)}, reporting acquire, use and creation times and acquire
   * timeouts to {@code metrics} (none when null). Hikari takes the factory only before the pool
   * starts, hence here and not later.
   */
  static Database pool(String name, int size, Settings settings, MetricsTrackerFactory metrics) {
    HikariConfig config = config(name, size, settings);
    if (metrics != null) {
      config.setMetricsTrackerFactory(metrics);
    }
    return new Database(new HikariDataSource(config));
  }

  /**
   * A connection of the pool. A pure timeout (no connection became free, none failed to open) is a
   * busy pool, refused as {@link DatabasePoolExhaustedException}; a timeout caused by connections
   * that could not be opened stays the driver's failure (the database is unreachable).
   */
  private Connection acquire() throws SQLException {
    try {
      return connection();
    } catch (SQLTransientConnectionException e) {
      if (e.getCause() == null && !dataSource.isClosed()) {
        throw new DatabasePoolExhaustedException(dataSource.getPoolName(),
            Duration.ofMillis(dataSource.getConnectionTimeout()));
      }
      throw e;
    }
  }

  private static HikariConfig config(String name, int size, Settings settings) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(settings.url());
    config.setUsername(settings.user());
    config.setPassword(settings.password());
    config.setMaximumPoolSize(size);
    config.setConnectionTimeout(Math.max(250, settings.acquireTimeout().toMillis()));
    config.setValidationTimeout(Math.max(250, Math.min(settings.acquireTimeout().toMillis(), 5000)));
    // Recycle connections well before any proxy or server-side idle cut-off.
    config.setMaxLifetime(Duration.ofMinutes(30).toMillis());
    config.setKeepaliveTime(Duration.ofMinutes(2).toMillis());
    config.addDataSourceProperty("connectTimeout", seconds(settings.connectTimeout()));
    config.addDataSourceProperty("loginTimeout", seconds(settings.connectTimeout()));
    config.addDataSourceProperty("socketTimeout", seconds(settings.socketTimeout()));
    config.addDataSourceProperty("tcpKeepAlive", "true");
    // A cancel request blocks its sender until the server closes the cancel connection; against a
    // server that does not answer that is this long instead of the driver's 10 s.
    config.addDataSourceProperty("cancelSignalTimeout", Integer.toString(
        Math.min(CANCEL_SIGNAL_TIMEOUT_SECONDS, Integer.parseInt(seconds(settings.connectTimeout())))));
    config.addDataSourceProperty("ApplicationName", name);
    config.addDataSourceProperty("prepareThreshold", Integer.toString(settings.prepareThreshold()));
    // A backend whose client has gone (an aborted connection, a killed Roster) stops its statement
    // within a second instead of running on, or waiting on a lock, until it next writes to the
    // socket (PostgreSQL 14+; a no-op on older servers). Session state: through a transaction
    // pooler it lands on whichever server connection ran it (harmless; set it for the role with
    // ALTER ROLE ... SET to have it everywhere, docs/OPERATIONS.md "PgBouncer").
    config.setConnectionInitSql("select set_config('client_connection_check_interval', '1000', false)"
        + " where current_setting('server_version_num')::int >= 140000");
    return config;
  }

  private static String seconds(Duration d) {
    return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
  }

  /**
   * Applies pending migrations through a pool of its own ({@code roster-migrate}, closed again
   * before this returns) on {@link Settings#directUrl}, so the pools that serve never hold
   * Flyway's connections and Flyway's session lock never goes through a transaction pooler.
   */
  static void migrate(Settings settings) {
    // Flyway may use a second connection beside the one it migrates on.
    try (HikariDataSource dataSource =
        new HikariDataSource(config("roster-migrate", 2, settings.direct()))) {
      Flyway flyway = Flyway.configure()
          .dataSource(dataSource)
          .locations("classpath:db/migration")
          .load();
      var result = flyway.migrate();
      var current = flyway.info().current();
      log.info("database schema at version {} ({} migrations applied now)",
          current == null ? "none" : current.getVersion(), result.migrationsExecuted);
    }
  }

  /** The pool's live counters (active, idle, waiting, total), for metrics; null before it starts. */
  public com.zaxxer.hikari.HikariPoolMXBean poolStats() {
    return dataSource.getHikariPoolMXBean();
  }

  /** The pool's configured number of connections. */
  public int maxConnections() {
    return dataSource.getMaximumPoolSize();
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  /**
   * Follows the database's availability (see {@link DatabaseAvailability}). While it is down the
   * pool stops re-opening the connections it lost: HikariCP keeps a fixed-size pool full by retrying
   * with a backoff that grows to 5 s and runs on one thread, so after an outage of a few seconds
   * the first connection would wait for the end of a 2.5-5 s sleep. With a minimum of 0 idle
   * connections the retries end once no caller waits; when the database is back the full size is
   * restored, and connections are opened again on demand (and by the pool's refill), with a fresh
   * backoff.
   */
  public void availabilityChanged(boolean up) {
    dataSource.setMinimumIdle(up ? dataSource.getMaximumPoolSize() : 0);
    if (!up) {
      // Nobody gets a connection before the database is back: callers waiting for one fail now
      // (UNAVAILABLE) rather than at the acquire timeout, and stop keeping the retries going.
      waiters.forEach(Waiter::wake);
    }
  }

  /** Statements running now (executed and not yet closed). */
  int runningCount() {
    return running.size();
  }

  /**
   * Queues a PostgreSQL cancel request for every running statement ({@link StatementCancels}); the
   * backends stop and the statements fail with 57014. Returns at once.
   */
  void cancelRunning() {
    for (Statement statement : running) {
      StatementCancels.cancel(statement, () -> running.contains(statement));
    }
  }

  /**
   * A connection from the pool, for Jdbi. The calling thread is known as waiting meanwhile, so
   * that {@link #availabilityChanged} can wake it when the database goes down.
   */
  private Connection connection() throws SQLException {
    Waiter waiter = new Waiter(Thread.currentThread());
    waiters.add(waiter);
    try {
      return dataSource.getConnection();
    } catch (SQLException e) {
      if (waiter.woken) {
        throw new SQLTransientConnectionException(dataSource.getPoolName()
            + " - the database went down while waiting for a connection", "08001", e);
      }
      throw e;
    } finally {
      waiters.remove(waiter);
      waiter.finish();
    }
  }

  /**
   * A thread waiting in {@link #connection}. It is interrupted (HikariCP then gives up waiting) only
   * while it still waits, and its interrupt flag is cleared before it leaves, so the interrupt never
   * reaches anything else the thread does.
   */
  private static final class Waiter {
    private final Thread thread;
    private boolean done;
    private volatile boolean woken;

    Waiter(Thread thread) {
      this.thread = thread;
    }

    synchronized void wake() {
      if (!done) {
        woken = true;
        thread.interrupt();
      }
    }

    synchronized void finish() {
      done = true;
      if (woken) {
        Thread.interrupted();
      }
    }
  }

  /**
   * Aborts the connection of every running statement ({@link Connection#abort}: the socket is
   * closed, no round trip, so it works against a server that does not answer). The threads blocked
   * in those statements fail at once with an 08xxx error (unavailable), and HikariCP drops the
   * connections instead of pooling them again. The backends are not told; a frozen one goes on
   * when it thaws, until it next writes to its client. Returns the number of connections aborted.
   */
  int abortRunning(Executor executor) {
    int aborted = 0;
    for (Statement statement : running) {
      try {
        // The driver's own connection: the pool's proxy would only forward it.
        Connection connection = statement.unwrap(Statement.class).getConnection();
        connection.abort(executor);
        aborted++;
      } catch (SQLException | RuntimeException e) {
        log.debug("could not abort a connection of {}: {}", dataSource.getPoolName(), e.toString());
      }
      running.remove(statement);
    }
    return aborted;
  }

  /**
   * Cancels the running statements on the server, waits up to {@link #CLOSE_WAIT} for them to
   * return, aborts the connections of those that have not, then closes the pool. So no backend
   * keeps working for a process that has gone. {@link DatabasePools#close} does the same for all
   * its pools at once.
   */
  @Override
  public void close() {
    cancelRunning();
    awaitIdle(System.nanoTime() + CLOSE_WAIT.toNanos());
    closePool();
  }

  /** Waits until no statement runs or {@code deadlineNanos} passes; true if none runs. */
  boolean awaitIdle(long deadlineNanos) {
    while (!running.isEmpty()) {
      if (System.nanoTime() - deadlineNanos >= 0) {
        return false;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Aborts what still runs (see {@link #abortRunning}) and closes the pool. */
  void closePool() {
    if (!running.isEmpty()) {
      int aborted = abortRunning(Runnable::run);
      log.warn("{}: aborted {} connections whose statements did not end when cancelled",
          dataSource.getPoolName(), aborted);
    }
    dataSource.close();
  }
}
