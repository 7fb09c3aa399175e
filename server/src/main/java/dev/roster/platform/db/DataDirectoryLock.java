package dev.roster.platform.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Roster process per data directory: an exclusive OS lock on {@code <data dir>/roster.lock},
 * held for as long as the process uses the directory. The operating system releases it when the
 * process ends, however it ends (SIGKILL included), so a lock is never stale. The file holds the
 * owner's pid, for the message another process gets; the file itself stays (deleting a lock file
 * would let two processes lock two different files of the same name).
 */
public final class DataDirectoryLock implements AutoCloseable {
  static final String FILE = "roster.lock";
  private static final long OWNER_READ_MILLIS = 500;
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path directory;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(Path directory, FileChannel channel, FileLock lock) {
    this.directory = directory;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code directory} (which must exist) or fails at once.
   *
   * @throws EmbeddedDatabaseException "data directory ... is in use by another Roster process
   *     (pid N)" if another process (or another start in this one) holds it
   * @throws UncheckedIOException if the lock file cannot be created or written (full disk...)
   */
  public static DataDirectoryLock acquire(Path directory) {
    Path absolute = directory.toAbsolutePath().normalize();
    Path file = absolute.resolve(FILE);
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by this very JVM
      }
      if (lock == null) {
        String owner = readOwner(channel);
        channel.close();
        throw new EmbeddedDatabaseException("data directory " + absolute
            + " is in use by another Roster process (pid " + owner + "); one data directory serves"
            + " one Roster at a time (set ROSTER_DATA_DIR to use another)");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
          .getBytes(StandardCharsets.US_ASCII)), 0);
      channel.force(true);
      HELD.add(absolute);
      return new DataDirectoryLock(absolute, channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("could not lock " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /** The directories whose lock this JVM holds now. */
  static Set<Path> held() {
    return Set.copyOf(HELD);
  }

  /** The pid the holder wrote; it writes right after locking, so an empty file is retried briefly. */
  private static String readOwner(FileChannel channel) throws IOException {
    long end = System.nanoTime() + OWNER_READ_MILLIS * 1_000_000;
    while (true) {
      ByteBuffer buffer = ByteBuffer.allocate(32);
      int read = channel.read(buffer, 0);
      String text = read <= 0 ? ""
          : new String(buffer.array(), 0, read, StandardCharsets.US_ASCII).trim();
      if (text.matches("\\d+")) {
        return text;
      }
      if (System.nanoTime() - end > 0) {
        return "unknown";
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "unknown";
      }
    }
  }

  public Path directory() {
    return directory;
  }

  /** Releases the lock; idempotent. */
  @Override
  public synchronized void close() {
    if (!channel.isOpen()) {
      return;
    }
    HELD.remove(directory);
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing left to do
      }
    }
  }
}
