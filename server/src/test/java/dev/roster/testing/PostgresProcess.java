package dev.roster.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of a fault test's own: the embedded binaries run as a separate OS process on a
 * fixed port and a data directory that survives {@link #stop()}/{@link #start()}, so a test can
 * stop, restart and freeze (SIGSTOP) the database under a running Roster. {@link #close()} always
 * thaws, stops and deletes it, and a JVM shutdown hook does the same if a test dies first.
 */
public final class PostgresProcess implements AutoCloseable {
  private static final String DATABASE = "roster";

  private final Path dataDir;
  private final int port;
  private final Thread cleanup;
  private EmbeddedPostgres postgres;
  private boolean frozen;

  private PostgresProcess(Path dataDir, int port) {
    this.dataDir = dataDir;
    this.port = port;
    this.cleanup = new Thread(this::closeQuietly, "postgres-process-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  /** Initialises a fresh data directory and starts PostgreSQL on a free port, with a roster database. */
  public static PostgresProcess start() {
    try {
      PostgresProcess process = new PostgresProcess(
          Files.createTempDirectory("roster-test-postgres-"), freePort());
      process.startServer();
      process.createDatabase();
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A free TCP port on loopback (free when asked; good enough for tests). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** JDBC URL of the {@code roster} database (user postgres, no password). */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** A new connection to the roster database, for the test's own checks and locks. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), "postgres", "");
  }

  /** Starts the server again on the same port and data (after {@link #stop()}). */
  public synchronized void startAgain() {
    if (postgres == null) {
      startServer();
    }
  }

  /** Stops the server (fast shutdown: sessions are ended, committed data stays). */
  public synchronized void stop() {
    thaw();
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        postgres = null;
      }
    }
  }

  /** Whether the server is running (started and not stopped). */
  public synchronized boolean running() {
    return postgres != null;
  }

  /** The postmaster and every process it forked (backends, checkpointer...). */
  public synchronized List<Long> pids() {
    long postmaster = postmasterPid();
    List<Long> pids = new ArrayList<>();
    pids.add(postmaster);
    ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
    return pids;
  }

  /** The postmaster's pid, from postmaster.pid. */
  public long postmasterPid() {
    try {
      return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Freezes the whole server (SIGSTOP to the postmaster and all its processes): connections stay
   * open and new TCP connections are even accepted by the kernel, but nothing answers, as with a
   * hung host or a stalled disk.
   */
  public synchronized void freeze() {
    signal("STOP", pids());
    frozen = true;
  }

  /** Lets a frozen server run again (SIGCONT). */
  public synchronized void thaw() {
    if (frozen) {
      signal("CONT", pids());
      frozen = false;
    }
  }

  @Override
  public void close() {
    closeQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // already running as the hook
    }
  }

  private synchronized void closeQuietly() {
    try {
      stop();
    } catch (RuntimeException e) {
      // fall through to the kill below
    }
    if (Files.exists(dataDir.resolve("postmaster.pid"))) {
      try {
        signal("KILL", pids());
      } catch (RuntimeException ignored) {
        // nothing left to stop
      }
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; best effort
    }
  }

  private void startServer() {
    try {
      postgres = EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(false)
          .setRegisterShutdownHook(false)
          .setPort(port)
          .setLocaleConfig("encoding", "UTF8")
          .setLocaleConfig("locale", "C.UTF-8")
          .setServerConfig("max_connections", "200")
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void createDatabase() {
    try (Connection c = DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
        var create = c.createStatement()) {
      create.execute("create database " + DATABASE);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create the roster database", e);
    }
  }

  private static void signal(String signal, List<Long> pids) {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    pids.forEach(pid -> command.add(Long.toString(pid)));
    try {
      Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -" + signal + " did not return");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
