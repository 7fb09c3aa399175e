package dev.roster.platform.files;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the temporary files that a process killed mid-write leaves behind (a write that fails
 * deletes its own file; SIGKILL gives it no chance). Only files untouched for longer than a given
 * age go: several processes may share the directory, and a file another process is still writing
 * is younger than that.
 */
public final class StaleFiles {
  private static final Logger log = LoggerFactory.getLogger(StaleFiles.class);

  private StaleFiles() {}

  /**
   * Deletes the regular files of {@code directory} whose name matches {@code glob} and whose last
   * modification is more than {@code olderThan} before {@code clock}'s now; returns how many. A
   * missing directory has none. Failures to delete one file are logged and skipped.
   */
  public static int sweep(Path directory, String glob, Duration olderThan, Clock clock) {
    if (!Files.isDirectory(directory)) {
      return 0;
    }
    Instant cutoff = clock.instant().minus(olderThan);
    int deleted = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, glob)) {
      for (Path file : files) {
        try {
          if (Files.isRegularFile(file)
              && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)
              && Files.deleteIfExists(file)) {
            deleted++;
          }
        } catch (NoSuchFileException e) {
          // another process swept it first
        } catch (IOException e) {
          log.warn("could not delete the stale file {}: {}", file, e.toString());
        }
      }
    } catch (IOException e) {
      log.warn("could not list {} for stale {} files: {}", directory, glob, e.toString());
    }
    if (deleted > 0) {
      log.info("deleted {} stale {} files (untouched for over {}) in {}", deleted, glob, olderThan,
          directory);
    }
    return deleted;
  }
}
