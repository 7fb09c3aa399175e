package dev.roster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PgBouncer (Debian package {@code pgbouncer}) in front of a {@link PostgresProcess}, as a
 * separate OS process on a free loopback port, in transaction pooling mode: its ini file, user
 * list and log live in a temporary directory of its own. Trust authentication (the test
 * PostgreSQL has no password either). {@link #close()} stops it by its PID (SIGTERM, then SIGKILL)
 * and a JVM shutdown hook does the same if a test dies first. Run as root (containers), it is
 * started with {@code -u nobody}, as PgBouncer refuses to run as root.
 *
 * <p>Without the binary the calling test is skipped on a developer's machine, so the README's
 * plain {@code mvn verify} works anywhere, but fails in CI ({@code CI=true}, where .ci/run
 * installs it).
 */
public final class PgBouncerProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final Path dir;
  private final int port;
  private final Process process;
  private final Thread cleanup;

  private PgBouncerProcess(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.cleanup = new Thread(this::stop, "pgbouncer-process-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  /** The pgbouncer binary, or skips the calling test (fails it with {@code CI=true}). */
  public static Path require() {
    return ExternalTools.require("pgbouncer", "the Debian package pgbouncer");
  }

  /**
   * Starts PgBouncer in transaction pooling mode in front of {@code postgres}'s {@code roster}
   * database, with at most {@code serverConnections} server connections, and waits until it
   * accepts connections. Skips the calling test if the binary is absent (outside CI).
   */
  public static PgBouncerProcess start(PostgresProcess postgres, int serverConnections) {
    Path binary = require();
    try {
      Path dir = TempDirs.create("roster-test-pgbouncer-");
      int port = PostgresProcess.freePort();
      String ini = String.join("\n",
          "[databases]",
          "roster = host=127.0.0.1 port=" + postgres.port() + " dbname=roster",
          "[pgbouncer]",
          "listen_addr = 127.0.0.1",
          "listen_port = " + port,
          "unix_socket_dir =",
          "auth_type = trust",
          "auth_file = " + dir.resolve("users.txt"),
          "pool_mode = transaction",
          "default_pool_size = " + serverConnections,
          "max_client_conn = 500",
          // pgjdbc sends extra_float_digits at startup; PgBouncer refuses unknown parameters.
          "ignore_startup_parameters = extra_float_digits",
          "");
      Files.writeString(dir.resolve("pgbouncer.ini"), ini, StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("users.txt"), "\"postgres\" \"\"\n", StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>(List.of(binary.toString()));
      if ("root".equals(System.getProperty("user.name"))) {
        // PgBouncer will not run as root; as nobody it must be able to read its files.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String file : List.of("pgbouncer.ini", "users.txt")) {
          Files.setPosixFilePermissions(dir.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
        }
        command.addAll(List.of("-u", "nobody"));
      }
      command.add(dir.resolve("pgbouncer.ini").toString());
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve("pgbouncer.log").toFile()).start();
      PgBouncerProcess bouncer = new PgBouncerProcess(dir, port, process);
      bouncer.awaitListening();
      return bouncer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        String log = log();
        close();
        throw new IllegalStateException("pgbouncer exited with " + process.exitValue() + ": " + log);
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          String log = log();
          close();
          throw new IllegalStateException("pgbouncer did not listen within " + START_TIMEOUT
              + ": " + log);
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** JDBC URL of the {@code roster} database through PgBouncer (user postgres, no password). */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/roster";
  }

  public long pid() {
    return process.pid();
  }

  /** What PgBouncer logged so far, for failure messages. */
  public String log() {
    try {
      return Files.readString(dir.resolve("pgbouncer.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void stop() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    TempDirs.delete(dir);
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
