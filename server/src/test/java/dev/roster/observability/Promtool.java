package dev.roster.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.testing.ExternalTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Prometheus's {@code promtool} (Debian package {@code prometheus}) for tests. Without it a
 * test is skipped on a developer's machine, so the README's plain {@code mvn verify} works
 * anywhere, but fails in CI ({@code CI=true}, where .ci/run installs it): there a missing promtool
 * must not pass silently.
 */
final class Promtool {
  private Promtool() {}

  /** Skips the calling test when promtool is absent, or fails it in CI. */
  static void require() {
    ExternalTools.require("promtool", "the Debian package prometheus");
  }

  /** Runs {@code promtool args...} with {@code stdin} as its input; returns exit code and output. */
  static Result run(Path stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("promtool");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (stdin != null) {
      builder.redirectInput(stdin.toFile());
    }
    Process promtool = builder.start();
    byte[] out = promtool.getInputStream().readAllBytes();
    assertThat(promtool.waitFor(120, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    return new Result(promtool.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  record Result(int exit, String output) {}
}
