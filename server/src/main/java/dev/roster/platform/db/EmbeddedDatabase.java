package dev.roster.platform.db;

import dev.roster.platform.JvmShutdown;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run by Roster itself, for development and tests: the binary comes from a Maven
 * artifact, the data lives in {@code <data dir>/postgres} and survives restarts. Production points
 * {@code ROSTER_DATABASE_URL} at a managed PostgreSQL instead.
 *
 * <p>The Roster data directory is locked ({@link DataDirectoryLock}) from before PostgreSQL starts
 * until after it has stopped. Start-up failures an operator can act on (directory in use, full
 * disk, a PostgreSQL that will not stop) are {@link EmbeddedDatabaseException}s with a one-line
 * message.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final String DATABASE = "roster";
  /** How long a left-behind or stopping PostgreSQL gets to finish its fast shutdown. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final String NO_SPACE = "No space left on device";

  private final EmbeddedPostgres postgres;
  private final Path postgresDirectory;
  private final DataDirectoryLock lock;
  private final long outputMark;
  private boolean closed;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path postgresDirectory,
      DataDirectoryLock lock, long outputMark) {
    this.postgres = postgres;
    this.postgresDirectory = postgresDirectory;
    this.lock = lock;
    this.outputMark = outputMark;
  }

  /**
   * Locks the Roster data directory {@code dataDirectory}, then starts PostgreSQL on its
   * {@code postgres} subdirectory (initialising it if empty) and makes sure the {@code roster}
   * database exists. A PostgreSQL left running there by a killed Roster is stopped first.
   *
   * @param port the port to listen on, or 0 for any free one
   * @throws EmbeddedDatabaseException with a one-line message if the directory is in use by
   *     another Roster, the disk is full, or PostgreSQL fails to start or to stop
   * @throws JvmShutdown.StartAbortedException if the JVM began shutting down meanwhile (nothing is
   *     left running)
   */
  public static EmbeddedDatabase start(Path dataDirectory, int port) {
    PostgresOutput.install();
    long mark = PostgresOutput.mark();
    Path postgresDirectory = dataDirectory.resolve("postgres").toAbsolutePath().normalize();
    DataDirectoryLock lock;
    try {
      Files.createDirectories(dataDirectory);
      lock = DataDirectoryLock.acquire(dataDirectory);
    } catch (IOException | UncheckedIOException e) {
      throw explain(e, postgresDirectory, mark);
    }
    try {
      Files.createDirectories(postgresDirectory);
      stopLeftBehind(postgresDirectory);
      JvmShutdown.abortStartIfInProgress("starting the embedded PostgreSQL");
      EmbeddedPostgres postgres = startPostgres(postgresDirectory, port, mark);
      try {
        createDatabaseIfMissing(postgres);
        JvmShutdown.abortStartIfInProgress("using the embedded PostgreSQL");
      } catch (IOException | RuntimeException e) {
        stop(postgres, postgresDirectory);
        throw e;
      }
      log.info("embedded PostgreSQL listening on port {}, data in {}", postgres.getPort(),
          postgresDirectory);
      return new EmbeddedDatabase(postgres, postgresDirectory, lock, mark);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e instanceof JvmShutdown.StartAbortedException aborted ? aborted
          : explain(e, postgresDirectory, mark);
    }
  }

  private static EmbeddedPostgres startPostgres(Path directory, int port, long mark)
      throws IOException {
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(directory)
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
    try {
      return builder.start();
    } catch (IOException | RuntimeException e) {
      // pg_ctl may have started the server before the library gave up waiting for it.
      stopIfRunning(directory);
      throw e;
    }
  }

  /**
   * A JVM killed with SIGKILL leaves its PostgreSQL running on the directory. We hold the Roster
   * lock, so no live Roster uses it: stop it (fast shutdown) and start normally. A
   * {@code postmaster.pid} naming a live process that is not a PostgreSQL on this directory is
   * stale (its pid was reused, after a reboot or in a new container) and is removed.
   */
  private static void stopLeftBehind(Path directory) throws IOException {
    Postmaster.Found found = Postmaster.inspect(directory);
    switch (found.kind()) {
      case NONE -> { }
      case UNREADABLE -> log.warn("ignoring unreadable {}", Postmaster.pidFile(directory));
      case OURS -> {
        log.warn("a PostgreSQL server (pid {}) was left running on {} by a Roster process that"
            + " ended without stopping it; stopping it (fast shutdown) before starting again",
            found.pid(), directory);
        if (!Postmaster.stop(found.pid(), STOP_TIMEOUT)) {
          throw new EmbeddedDatabaseException("the PostgreSQL server (pid " + found.pid()
              + ") left running on " + directory + " by an earlier Roster process did not stop"
              + " within " + STOP_TIMEOUT.toSeconds() + " s of a fast-shutdown request");
        }
      }
      case FOREIGN -> {
        log.warn("removing the stale {}: its pid {} is now {}, not a PostgreSQL on this directory",
            Postmaster.pidFile(directory), found.pid(), found.command());
        Files.deleteIfExists(Postmaster.pidFile(directory));
      }
      case UNKNOWN -> throw new EmbeddedDatabaseException(Postmaster.pidFile(directory)
          + " names a running process (pid " + found.pid() + ") that Roster cannot identify;"
          + " if it is not a postgres process on this directory, delete that file and start again");
      default -> throw new IllegalStateException(found.kind().name());
    }
  }

  /** Stops the PostgreSQL running on {@code directory}, if it is ours; quietly. */
  private static void stopIfRunning(Path directory) {
    Postmaster.Found found = Postmaster.inspect(directory);
    if (found.kind() == Postmaster.Kind.OURS && !Postmaster.stop(found.pid(), STOP_TIMEOUT)) {
      log.warn("the embedded PostgreSQL (pid {}) on {} did not stop within {}", found.pid(),
          directory, STOP_TIMEOUT);
    }
  }

  /**
   * Stops the embedded PostgreSQL of every data directory this JVM has locked, without waiting
   * for whoever started it: for a shutdown hook whose start-up is stuck, so that no PostgreSQL
   * outlives the JVM. Directories locked by no one here are not touched.
   */
  public static void stopAllInThisProcess() {
    for (Path directory : DataDirectoryLock.held()) {
      stopIfRunning(directory.resolve("postgres"));
    }
  }

  private static void stop(EmbeddedPostgres postgres, Path directory) {
    Postmaster.Found running = Postmaster.inspect(directory);
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("embedded PostgreSQL did not stop cleanly: {}", e.toString());
    }
    // pg_ctl returns once postmaster.pid is gone, a moment before the process has exited, and
    // gives up after 5 s (a long checkpoint): wait here until the process is really gone.
    if (running.kind() == Postmaster.Kind.OURS && !Postmaster.stop(running.pid(), STOP_TIMEOUT)) {
      log.warn("the embedded PostgreSQL (pid {}) on {} did not stop within {}", running.pid(),
          directory, STOP_TIMEOUT);
    }
  }

  /**
   * For a failure after the start (migrations, the first writes): the one-line
   * {@link EmbeddedDatabaseException} if the disk is full (the exception chain or what PostgreSQL
   * printed since the start says "No space left on device"), otherwise {@code failure} itself.
   */
  public RuntimeException explain(RuntimeException failure) {
    return noSpace(failure, postgresDirectory, PostgresOutput.since(outputMark),
        freeBytes(postgresDirectory)).<RuntimeException>map(e -> e).orElse(failure);
  }

  static RuntimeException explain(Throwable failure, Path directory, long mark) {
    return explain(failure, directory, PostgresOutput.since(mark), freeBytes(directory));
  }

  /**
   * The one-line explanation of a failed embedded start: "No space left on device" when the
   * exception chain or what PostgreSQL printed says so; otherwise the directory and PostgreSQL's
   * last FATAL/PANIC/ERROR line, or the root cause's message.
   */
  static EmbeddedDatabaseException explain(Throwable failure, Path directory, List<String> output,
      Optional<Long> freeBytes) {
    if (failure instanceof EmbeddedDatabaseException known) {
      return known;
    }
    Optional<EmbeddedDatabaseException> noSpace = noSpace(failure, directory, output, freeBytes);
    if (noSpace.isPresent()) {
      return noSpace.get();
    }
    Optional<String> said = output.stream()
        .filter(l -> l.contains("FATAL:") || l.contains("PANIC:") || l.contains("ERROR:"))
        .reduce((first, second) -> second);
    String cause = said.map(EmbeddedDatabase::trim).orElseGet(() -> trim(rootMessage(failure)));
    return new EmbeddedDatabaseException("cannot start the embedded PostgreSQL in " + directory
        + ": " + cause, failure);
  }

  static Optional<EmbeddedDatabaseException> noSpace(Throwable failure, Path directory,
      List<String> output, Optional<Long> freeBytes) {
    Optional<String> said = causes(failure).stream().filter(EmbeddedDatabase::isNoSpace)
        .findFirst().or(() -> output.stream().filter(EmbeddedDatabase::isNoSpace).findFirst());
    return said.map(line -> new EmbeddedDatabaseException("cannot start the embedded PostgreSQL in "
        + directory + ": " + NO_SPACE + freeBytes.map(b -> " (" + (b / (1024 * 1024))
            + " MB free there now)").orElse("") + "; free some disk space and start again ("
        + trim(line) + ")", failure));
  }

  /**
   * ENOSPC as the JDK, PostgreSQL and initdb word it. PostgreSQL reports a short write without the
   * errno ("could not extend file ...: wrote only 4096 of 8192 bytes"), with the hint "Check free
   * disk space."
   */
  private static boolean isNoSpace(String text) {
    if (text == null) {
      return false;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    return lower.contains(NO_SPACE.toLowerCase(Locale.ROOT)) || text.contains("ENOSPC")
        || lower.contains("disk full") || lower.contains("check free disk space")
        || (lower.contains("could not extend file") && lower.contains("wrote only"));
  }

  private static List<String> causes(Throwable failure) {
    List<String> messages = new ArrayList<>();
    for (Throwable t = failure; t != null && messages.size() < 20; t = t.getCause()) {
      messages.add(t.getMessage());
      for (Throwable suppressed : t.getSuppressed()) {
        messages.add(suppressed.getMessage());
      }
    }
    return messages;
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  /** One line, without the log's timestamp prefix, bounded. */
  private static String trim(String line) {
    String text = line.replaceAll("\\s+", " ").trim()
        .replaceAll("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? \\S+ \\[\\d+\\] ", "");
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  private static Optional<Long> freeBytes(Path directory) {
    for (Path p = directory.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        try {
          return Optional.of(Files.getFileStore(p).getUsableSpace());
        } catch (IOException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
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
      throw new IOException("could not create the " + DATABASE + " database: " + e.getMessage(), e);
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", DATABASE);
  }

  public String user() {
    return "postgres";
  }

  /** Stops PostgreSQL (fast shutdown, bounded), then releases the data directory; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop(postgres, postgresDirectory);
    } finally {
      lock.close();
    }
  }
}
