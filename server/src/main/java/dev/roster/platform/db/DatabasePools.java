package dev.roster.platform.db;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The separate connection pools of one Roster process, so that no kind of work can take the
 * connections another kind needs: API calls cannot starve authentication or job heartbeats (and
 * the health probe has a connection of its own, {@link DatabaseProbe}), and long job handlers
 * cannot starve the queue's own bookkeeping. Opening migrates
 * the schema once (on a connection of its own), then opens the requested pools; which pools a
 * process needs follows from its role and is decided by its composition root.
 */
public final class DatabasePools implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DatabasePools.class);

  /** A pool and its name, which is also the {@code application_name} of its connections. */
  public enum Pool {
    /** The contexts' work for API calls (and key management). */
    API("roster-api", true),
    /** Looking up the API key that authenticates a call: short primary-key reads only. */
    AUTH("roster-auth", true),
    /** The SQL of job handlers (welcome emails, exports) and the outcome of each job. */
    JOBS("roster-jobs", false),
    /** The job queue's bookkeeping: claims, heartbeats, rescue, pruning, counts. */
    JOBS_CONTROL("roster-jobs-control", false);

    private final String poolName;
    private final boolean servesCalls;

    Pool(String poolName, boolean servesCalls) {
      this.poolName = poolName;
      this.servesCalls = servesCalls;
    }

    /**
     * Whether calls wait for this pool's connections. Those wait at most the acquire timeout (a
     * busy pool refuses calls at once); the others (jobs, health), whose waiters have no client
     * to retry, wait at least the connect timeout, long enough for a connection to be re-opened.
     */
    public boolean servesCalls() {
      return servesCalls;
    }

    /** The HikariCP pool name and the connections' {@code application_name}. */
    public String poolName() {
      return poolName;
    }
  }

  private final Map<Pool, Database> pools;

  private DatabasePools(Map<Pool, Database> pools) {
    this.pools = pools;
  }

  /**
   * Migrates the schema to the latest version, then opens a fixed-size pool for each entry of
   * {@code sizes} (pool to its number of connections). Fails at once, closing what it opened, if
   * the database cannot be reached.
   *
   * @throws IllegalArgumentException if a size is under 1
   * @throws RuntimeException whatever connecting or migrating throws
   */
  public static DatabasePools open(Database.Settings settings, Map<Pool, Integer> sizes) {
    return open(settings, sizes, null);
  }

  /**
   * As {@link #open(Database.Settings, Map)}, with every pool reporting its connection acquire,
   * use and creation times and its acquire timeouts to {@code metrics} (HikariCP's own metrics
   * hook; none when null).
   */
  public static DatabasePools open(Database.Settings settings, Map<Pool, Integer> sizes,
      MetricsTrackerFactory metrics) {
    sizes.forEach((pool, size) -> {
      if (size < 1) {
        throw new IllegalArgumentException("pool " + pool.poolName() + " needs at least 1 connection");
      }
    });
    Database.migrate(settings);
    Map<Pool, Database> opened = new EnumMap<>(Pool.class);
    try {
      sizes.forEach((pool, size) -> opened.put(pool,
          Database.pool(pool.poolName(), size,
              pool.servesCalls() ? settings : patient(settings), metrics)));
    } catch (RuntimeException e) {
      opened.values().forEach(Database::close);
      throw e;
    }
    return new DatabasePools(opened);
  }

  private static Database.Settings patient(Database.Settings s) {
    return s.connectTimeout().compareTo(s.acquireTimeout()) <= 0 ? s
        : s.withAcquireTimeout(s.connectTimeout());
  }

  /** The pools that are open. */
  public Set<Pool> pools() {
    return pools.keySet();
  }

  /** Whether {@code pool} was opened. */
  public boolean has(Pool pool) {
    return pools.containsKey(pool);
  }

  /**
   * The Jdbi handle on {@code pool}.
   *
   * @throws IllegalStateException if that pool was not opened (this process's role has no use for
   *     it)
   */
  public Jdbi jdbi(Pool pool) {
    Database database = pools.get(pool);
    if (database == null) {
      throw new IllegalStateException("the " + pool.poolName() + " pool is not open in this process");
    }
    return database.jdbi();
  }

  /**
   * The connection counts of each open pool right now, for metrics; never blocks.
   */
  public Map<Pool, PoolStats> stats() {
    Map<Pool, PoolStats> stats = new EnumMap<>(Pool.class);
    pools.forEach((pool, database) -> {
      com.zaxxer.hikari.HikariPoolMXBean bean = database.poolStats();
      if (bean != null) {
        stats.put(pool, new PoolStats(bean.getActiveConnections(), bean.getIdleConnections(),
            bean.getThreadsAwaitingConnection(), bean.getTotalConnections(),
            database.maxConnections()));
      }
    });
    return stats;
  }

  /** One pool's connections: in use, idle, threads waiting for one, open, and the configured size. */
  public record PoolStats(int active, int idle, int pending, int total, int max) {}

  /**
   * Tells every pool that the database went down or came back ({@link Database#availabilityChanged});
   * a {@link DatabaseAvailability.Listener}. Never blocks.
   */
  public void availabilityChanged(boolean up) {
    pools.values().forEach(database -> database.availabilityChanged(up));
    if (!up) {
      // Statements running on a database that stopped answering would wait for the socket
      // timeout; end them now (no round trip), so their calls fail UNAVAILABLE at once.
      int aborted = abortRunning();
      if (aborted > 0) {
        log.warn("the database went down: aborted {} connections of running statements", aborted);
      }
    }
  }

  /**
   * Ends every statement running on any pool now, without asking the database: their connections
   * are aborted (sockets closed, no round trip), so it returns at once even when PostgreSQL does
   * not answer (frozen host, stalled disk). The calls blocked in those statements fail with an
   * 08xxx error (UNAVAILABLE, DATABASE_UNAVAILABLE) instead of waiting for the socket timeout; the
   * pools drop those connections and open new ones when the database answers again. Meant for
   * "the database went down"; the backends are not cancelled (see {@link Database#abortRunning}).
   * Any thread; never blocks.
   *
   * @return the number of connections aborted
   */
  public int abortRunning() {
    int aborted = 0;
    for (Database database : pools.values()) {
      aborted += database.abortRunning(Runnable::run);
    }
    return aborted;
  }

  /** Statements running now on all pools (executed and not yet closed). */
  public int runningStatements() {
    return pools.values().stream().mapToInt(Database::runningCount).sum();
  }

  /**
   * Closes every pool without leaving work behind on the server: the statements still running
   * (a job handler's, an authentication lookup's, a call's that outlived the grace) are cancelled
   * on the server (PostgreSQL cancel requests, each bounded by the driver's cancel timeout), given
   * up to a few seconds together to return, and the connections of any that have not (a database
   * that does not answer) are aborted; then the pools close.
   */
  @Override
  public void close() {
    pools.values().forEach(Database::cancelRunning);
    long deadline = System.nanoTime() + Database.CLOSE_WAIT.toNanos();
    pools.values().forEach(database -> database.awaitIdle(deadline));
    List<RuntimeException> failures = new ArrayList<>();
    for (Database database : pools.values()) {
      try {
        database.closePool();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }
}
