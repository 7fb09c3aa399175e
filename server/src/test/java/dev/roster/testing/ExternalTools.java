package dev.roster.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Programs some tests run that are not Java (promtool, kubectl, pgbouncer). Without one, the test
 * is skipped on a developer's machine, so the README's plain {@code mvn verify} works anywhere, but
 * fails in CI ({@code CI=true}, where .ci/run installs them): there a missing tool must not pass
 * silently.
 */
public final class ExternalTools {
  private ExternalTools() {}

  /**
   * The executable {@code name} on PATH (or in {@code /usr/sbin}, {@code /usr/local/sbin}, where
   * Debian puts daemons); skips the calling test without it, or fails it when {@code CI=true}.
   * {@code source} says where it comes from, for the message.
   */
  public static Path require(String name, String source) {
    List<String> dirs = new ArrayList<>(
        List.of(System.getenv().getOrDefault("PATH", "").split(":")));
    dirs.add("/usr/sbin");
    dirs.add("/usr/local/sbin");
    for (String dir : dirs) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name);
      }
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(name + " is not installed but CI=true: install " + source + " (.ci/run does)");
    }
    assumeTrue(false, name + " is not installed (" + source + "); skipped outside CI");
    throw new AssertionError("unreachable");
  }
}
