package dev.roster.platform.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The PostgreSQL server process a data directory's {@code postmaster.pid} names: whether it is
 * really a {@code postgres} running on that directory (a pid may have been reused since), and
 * stopping it with PostgreSQL's fast shutdown. Only ever used on a directory whose
 * {@link DataDirectoryLock} this process holds, so a server found there belongs to no live Roster.
 */
final class Postmaster {
  /** What {@code postmaster.pid} points at. */
  enum Kind {
    /** no postmaster.pid, or its pid is not running: nothing runs on the directory */
    NONE,
    /** a postgres process whose data directory is this one */
    OURS,
    /** a live process that is not a postgres on this directory: the file is stale, its pid reused */
    FOREIGN,
    /** a live process this JVM cannot identify (no command line, no working directory) */
    UNKNOWN,
    /** the first line of postmaster.pid is not a pid */
    UNREADABLE
  }

  record Found(Kind kind, long pid, String command) {}

  private Postmaster() {}

  static Path pidFile(Path dataDirectory) {
    return dataDirectory.resolve("postmaster.pid");
  }

  static Found inspect(Path dataDirectory) {
    List<String> lines;
    try {
      lines = Files.readAllLines(pidFile(dataDirectory));
    } catch (NoSuchFileException e) {
      return new Found(Kind.NONE, -1, "");
    } catch (IOException e) {
      return new Found(Kind.UNREADABLE, -1, "");
    }
    long pid;
    try {
      pid = Long.parseLong(lines.isEmpty() ? "" : lines.get(0).trim());
    } catch (NumberFormatException e) {
      return new Found(Kind.UNREADABLE, -1, "");
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (process.isEmpty()) {
      return new Found(Kind.NONE, pid, "");
    }
    Optional<String> command = process.get().info().command();
    if (command.isEmpty()) {
      return new Found(Kind.UNKNOWN, pid, "");
    }
    Path executable = Path.of(command.get()).getFileName();
    if (executable == null || !executable.toString().equals("postgres")) {
      return new Found(Kind.FOREIGN, pid, command.get());
    }
    Optional<Boolean> onDirectory = workingDirectoryIs(pid, dataDirectory)
        .or(() -> dataArgumentIs(process.get(), dataDirectory));
    if (onDirectory.isEmpty()) {
      return new Found(Kind.UNKNOWN, pid, command.get());
    }
    return new Found(onDirectory.get() ? Kind.OURS : Kind.FOREIGN, pid, command.get());
  }

  /** The postmaster runs in its data directory (it chdirs there); Linux shows it in /proc. */
  private static Optional<Boolean> workingDirectoryIs(long pid, Path dataDirectory) {
    Path cwd = Path.of("/proc", Long.toString(pid), "cwd");
    try {
      return Optional.of(Files.readSymbolicLink(cwd).equals(dataDirectory.toRealPath()));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return Optional.empty();
    }
  }

  /** Elsewhere, its {@code -D <directory>} argument (pg_ctl passes an absolute path). */
  private static Optional<Boolean> dataArgumentIs(ProcessHandle process, Path dataDirectory) {
    Optional<String[]> arguments = process.info().arguments();
    if (arguments.isEmpty()) {
      return Optional.empty();
    }
    String[] args = arguments.get();
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("-D")) {
        try {
          return Optional.of(Path.of(args[i + 1]).toRealPath().equals(dataDirectory.toRealPath()));
        } catch (IOException e) {
          return Optional.of(false);
        }
      }
    }
    return Optional.of(false);
  }

  /**
   * Sends SIGINT (PostgreSQL's fast shutdown: sessions are ended, a checkpoint is written) and
   * waits up to {@code timeout} for the process to exit; true if it did. Without a {@code kill}
   * command, SIGTERM (smart shutdown, which waits for sessions; a server whose Roster is gone
   * has none).
   */
  static boolean stop(long pid, Duration timeout) {
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty() || !process.get().isAlive()) {
      return true;
    }
    if (!signalInterrupt(pid) && process.get().isAlive()) {
      process.get().destroy();
    }
    try {
      process.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.get().isAlive();
    } catch (ExecutionException e) {
      return !process.get().isAlive();
    }
  }

  private static boolean signalInterrupt(long pid) {
    try {
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
