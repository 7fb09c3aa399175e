package dev.roster.platform.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run by Roster itself, for development and tests: the binary comes from a Maven
 * artifact, the data lives in a directory that survives restarts. Production points
 * {@code ROSTER_DATABASE_URL} at a managed PostgreSQL instead.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final String DATABASE = "roster";

  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL on {@code dataDirectory} (initialising it if empty) and makes sure the
   * {@code roster} database exists.
   *
   * @param port the port to listen on, or 0 for any free one
   */
  public static EmbeddedDatabase start(Path dataDirectory, int port) {
    try {
      Files.createDirectories(dataDirectory);
      refuseIfAlreadyRunning(dataDirectory);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dataDirectory.toAbsolutePath())
          .setCleanDataDirectory(false)
          // Roster stops it itself, after in-flight calls have drained (see RosterServer#close).
          .setRegisterShutdownHook(false)
          // The library's defaults favour test speed over durability; this data is meant to last.
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setLocaleConfig("encoding", "UTF8")
          .setLocaleConfig("locale", "C.UTF-8")
          .setServerConfig("max_connections", "200")
          .setServerConfig("timezone", "UTC");
      if (port != 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres postgres = builder.start();
      createDatabaseIfMissing(postgres);
      log.info("embedded PostgreSQL listening on port {}, data in {}", postgres.getPort(),
          dataDirectory.toAbsolutePath());
      return new EmbeddedDatabase(postgres);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDirectory, e);
    }
  }

  /**
   * A JVM killed with SIGKILL leaves its PostgreSQL running on the directory; say so plainly
   * instead of timing out on a locked data directory.
   */
  private static void refuseIfAlreadyRunning(Path dataDirectory) throws IOException {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    String firstLine = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
    try {
      long pid = Long.parseLong(firstLine);
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        throw new IllegalStateException("a PostgreSQL server (pid " + pid + ") is still running on "
            + dataDirectory.toAbsolutePath() + ", probably left by a Roster process that was killed;"
            + " stop it (kill " + pid + ") and start again");
      }
    } catch (NumberFormatException e) {
      log.warn("ignoring unreadable {}", pidFile);
    }
  }

  private static void createDatabaseIfMissing(EmbeddedPostgres postgres) throws IOException {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        var exists = c.prepareStatement("select 1 from pg_database where datname = ?")) {
      exists.setString(1, DATABASE);
      if (!exists.executeQuery().next()) {
        try (var create = c.createStatement()) {
          create.execute("create database " + DATABASE);
        }
      }
    } catch (SQLException e) {
      throw new IOException("could not create the " + DATABASE + " database", e);
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", DATABASE);
  }

  public String user() {
    return "postgres";
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("embedded PostgreSQL did not stop cleanly", e);
    }
  }
}
