package dev.roster;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import dev.roster.config.RosterConfig;
import dev.roster.jobs.Workers;
import dev.roster.platform.db.Database;
import dev.roster.platform.db.DatabasePools;
import dev.roster.platform.db.DatabasePools.Pool;
import dev.roster.platform.db.EmbeddedDatabase;
import java.util.EnumMap;
import java.util.Map;

/**
 * The database a process works on (external, or embedded and started by us) and the connection
 * pools its role needs, and the settings they were opened with (for the database probe).
 */
public record Storage(DatabasePools pools, EmbeddedDatabase embedded, Database.Settings settings)
    implements AutoCloseable {
  /**
   * Connects to (or starts) the configured database, migrates it and opens the pools of the
   * configured role ({@link #poolsFor}).
   */
  public static Storage open(RosterConfig config) {
    return open(config, poolsFor(config));
  }

  /** As {@link #open(RosterConfig)}, every pool reporting its timings to {@code poolMetrics}. */
  public static Storage open(RosterConfig config, MetricsTrackerFactory poolMetrics) {
    return open(config, poolsFor(config), poolMetrics);
  }

  /**
   * The pools a process of {@code config}'s role opens, with their sizes: serving the API needs
   * the API and authentication pools, running jobs the jobs pool and the queue's bookkeeping
   * pool (one connection per bookkeeping thread, so those threads never wait). The database
   * probe (every role) has one connection of its own, outside the pools.
   */
  public static Map<Pool, Integer> poolsFor(RosterConfig config) {
    Map<Pool, Integer> pools = new EnumMap<>(Pool.class);
    if (config.jobs().role().servesApi()) {
      pools.put(Pool.API, config.databasePoolSize());
      pools.put(Pool.AUTH, config.databaseAuthPoolSize());
    }
    if (config.jobs().role().runsJobs()) {
      pools.put(Pool.JOBS, config.databaseJobsPoolSize());
      pools.put(Pool.JOBS_CONTROL, Workers.CONTROL_CONNECTIONS);
    }
    return pools;
  }

  /** Connects to (or starts) the configured database, migrates it and opens {@code pools}. */
  public static Storage open(RosterConfig config, Map<Pool, Integer> pools) {
    return open(config, pools, null);
  }

  private static Storage open(RosterConfig config, Map<Pool, Integer> pools,
      MetricsTrackerFactory poolMetrics) {
    EmbeddedDatabase embedded = null;
    try {
      String url;
      String user;
      String password;
      if (config.databaseUrl().isPresent()) {
        url = config.databaseUrl().get();
        user = config.databaseUser();
        password = config.databasePassword();
      } else {
        embedded = EmbeddedDatabase.start(config.dataDir(), config.embeddedDatabasePort());
        url = embedded.jdbcUrl();
        user = embedded.user();
        password = "";
      }
      Database.Settings settings = new Database.Settings(url, user, password,
          config.databasePoolSize(), config.databaseConnectTimeout(),
          config.databaseSocketTimeout(), config.databaseAcquireTimeout(),
          embedded == null ? config.databaseDirectUrl().orElse(url) : url,
          config.databasePrepareThreshold());
      return new Storage(DatabasePools.open(settings, pools, poolMetrics), embedded, settings);
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
        // Migrations on a full disk: the same one line as a start on a full disk.
        throw embedded.explain(e);
      }
      throw e;
    }
  }

  /** Without {@code settings}, which hold the database password. */
  @Override
  public String toString() {
    return "Storage[pools=" + pools.pools() + ", embedded=" + (embedded != null) + "]";
  }

  @Override
  public void close() {
    pools.close();
    if (embedded != null) {
      embedded.close();
    }
  }
}
