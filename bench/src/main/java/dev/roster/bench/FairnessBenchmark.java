package dev.roster.bench;

import dev.roster.fairness.NoisyNeighbours;
import dev.roster.fairness.NoisyNeighbours.Result;
import dev.roster.platform.db.EmbeddedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Fairness under abuse (issue 10): runs the noisy-neighbour scenarios of the test suite
 * ({@link NoisyNeighbours}, from the server's test-jar) longer, and prints the victim's p50/p99
 * alone and under each attack. Prints a Markdown table.
 *
 * <p>What the admission checks cost a hot read is measured by {@code bench/bulkhead-cost.sh}: the
 * same server cannot measure it by lifting settings, since the checks run whatever the limits are;
 * the script compares the server jar of a revision before issue 10 with the current one instead.
 */
@Command(name = "fairness-benchmark", mixinStandardHelpOptions = true,
    description = "Victim latency alone vs under each noisy-neighbour attack.")
public final class FairnessBenchmark implements Callable<Integer> {
  @Option(names = "--users", defaultValue = "200000",
      description = "users in the attacker's large organization (default ${DEFAULT-VALUE})")
  int users;

  @Option(names = "--alone", defaultValue = "PT10S", description = "victim alone (default ${DEFAULT-VALUE})")
  Duration alone;

  @Option(names = "--attack", defaultValue = "PT20S", description = "victim under attack (default ${DEFAULT-VALUE})")
  Duration attack;

  @Option(names = "--victim-rate", defaultValue = "40",
      description = "victim calls per second (default ${DEFAULT-VALUE})")
  int victimRate;

  public static void main(String[] args) {
    System.exit(new CommandLine(new FairnessBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("roster-fairness-bench");
    try (EmbeddedDatabase embedded = EmbeddedDatabase.start(dir.resolve("postgres"), 0)) {
      String url = embedded.jdbcUrl();
      scenarios(url);
    } finally {
      // The seeded database is ~500 MB: leave nothing behind in /tmp.
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    return 0;
  }

  private void scenarios(String url) throws InterruptedException {
    NoisyNeighbours scenarios = new NoisyNeighbours(url, new NoisyNeighbours.Settings(alone, attack,
        victimRate, Duration.ofSeconds(5), attack.plusSeconds(10)), users);
    System.out.printf("Victim: GetOrganization + GetUser at %d calls/s, deadline 5 s; %s alone, %s"
        + " under attack; attacker's large organization: %,d users.%n%n", victimRate, alone, attack, users);
    System.out.println("| attack | victim p50 alone ms | p99 alone ms | p50 under attack ms"
        + " | p99 under attack ms | p99 ratio | victim errors | attacker answers | notes |");
    System.out.println("|---|---:|---:|---:|---:|---:|---|---|---|");
    List<ScenarioRun> runs = List.of(scenarios::waitOperationFlood, scenarios::heavyListFlood,
        scenarios::badKeyFlood, scenarios::exportFlood, scenarios::keyMinting);
    for (ScenarioRun run : runs) {
      Result r = run.run();
      System.err.println(r);
      List<String> notes = new java.util.ArrayList<>();
      if (r.attacker().uncleanCount() > 0) {
        notes.add(r.attacker().uncleanCount() + " unclean attacker answers");
      }
      r.victimExport().ifPresent(e -> notes.add("victim export " + e));
      System.out.printf("| %s | %.1f | %.1f | %.1f | %.1f | %.2f | %s | %s | %s |%n", r.scenario(),
          r.alone().p50Millis(), r.alone().p99Millis(), r.underAttack().p50Millis(),
          r.underAttack().p99Millis(), r.p99Ratio(), r.underAttack().errors(),
          r.attacker().counts(), String.join("; ", notes));
    }
    System.out.println();
  }

  private interface ScenarioRun {
    Result run() throws InterruptedException;
  }
}
