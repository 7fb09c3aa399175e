package dev.roster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Temporary directories for fixtures that outlive one test method (where JUnit's {@code @TempDir}
 * does not reach): deleted with everything in them when the test JVM exits. ({@code deleteOnExit}
 * deletes only empty directories, so servers' mail and export files used to keep them.)
 */
public final class TempDirs {
  private static final Set<Path> CREATED = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(TempDirs::deleteAll, "temp-dirs-cleanup"));
  }

  private TempDirs() {}

  /** A new directory under java.io.tmpdir, named {@code prefix} plus random digits. */
  public static Path create(String prefix) {
    try {
      Path dir = Files.createTempDirectory(prefix);
      CREATED.add(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes {@code dir} and everything under it now, quietly. */
  public static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // already gone, or going: nothing to do
    }
    CREATED.remove(dir);
  }

  private static void deleteAll() {
    for (Path dir : Set.copyOf(CREATED)) {
      delete(dir);
    }
  }
}
