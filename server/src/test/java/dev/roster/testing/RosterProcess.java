package dev.roster.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Roster's real main ({@code dev.roster.Cli}) in a JVM of its own, so a test can SIGTERM or SIGKILL
 * it for real. The environment is the given map (plus the parent's PATH and HOME only); logs use
 * the production logback configuration, so its INFO lines ("listening for gRPC") can be awaited.
 * {@link #close()} kills the JVM if it is still alive.
 */
public final class RosterProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private RosterProcess(Process process) {
    this.process = process;
    this.reader = new Thread(this::read, "roster-process-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Launches {@code dev.roster.Cli} with {@code args} and the environment {@code env}; returns at once. */
  public static RosterProcess launch(Map<String, String> env, String... args) {
    return launch(env, List.of(), args);
  }

  /**
   * As {@link #launch(Map, String...)}, with extra JVM options (system properties such as
   * {@code -Droster.test.pauseAfterDatabase=60s}) before the main class.
   */
  public static RosterProcess launch(Map<String, String> env, List<String> jvmOptions,
      String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dlogback.configurationFile=" + productionLogback()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.roster.Cli"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    String path = environment.get("PATH");
    String home = environment.get("HOME");
    environment.clear();
    if (path != null) {
      environment.put("PATH", path);
    }
    if (home != null) {
      environment.put("HOME", home);
    }
    // Separate processes run side by side: each takes a free admin port unless told one.
    environment.put("ROSTER_ADMIN_PORT", "0");
    environment.putAll(env);
    try {
      return new RosterProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Launches Roster and waits until it logs that it listens for gRPC. */
  public static RosterProcess start(Map<String, String> env, Duration timeout) {
    RosterProcess roster = launch(env);
    if (!roster.awaitLine("listening for gRPC", timeout)) {
      String output = String.join("\n", roster.lines());
      roster.close();
      throw new IllegalStateException("Roster did not start within " + timeout + ":\n" + output);
    }
    return roster;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** Waits until an output line contains {@code fragment}; false on timeout or exit first. */
  public boolean awaitLine(String fragment, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      while (true) {
        if (lines.stream().anyMatch(l -> l.contains(fragment))) {
          return true;
        }
        long left = end - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
          return false;
        }
        try {
          lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
  }

  /** Everything the process printed so far (stdout and stderr, merged), line by line. */
  public List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** SIGTERM: the graceful stop. */
  public void sigterm() {
    signal("TERM");
  }

  /** SIGKILL: no shutdown hook runs. */
  public void sigkill() {
    signal("KILL");
  }

  /** Waits for the JVM to exit; its exit code, or -1 if it is still running after {@code timeout}. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return -1;
      }
      reader.join(2000);
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      awaitExit(Duration.ofSeconds(10));
    }
  }

  private void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
          .redirectErrorStream(true).start();
      kill.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException ignored) {
      // the process is gone
    } finally {
      synchronized (lines) {
        lines.notifyAll();
      }
    }
  }

  private static String productionLogback() {
    // target/classes/logback.xml: the test classpath finds logback-test.xml first otherwise.
    URL url = RosterProcess.class.getClassLoader().getResource("logback.xml");
    if (url == null) {
      throw new IllegalStateException("logback.xml is not on the classpath");
    }
    if (!"file".equals(url.getProtocol())) {
      // Inside roster-server's jar (another module's tests): a copy the child JVM can read.
      return copyToTempFile(url);
    }
    try {
      return Path.of(url.toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String copyToTempFile(URL url) {
    try (InputStream in = url.openStream()) {
      Path copy = Files.createTempFile("roster-logback-", ".xml");
      copy.toFile().deleteOnExit();
      Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
      return copy.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
