package dev.roster.fairness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.fairness.NoisyNeighbours.Result;
import dev.roster.testing.TestDatabase;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 10's noisy-neighbour suite: for each attack, a victim tenant calls GetOrganization and
 * GetUser at a steady rate alone and then during the attack, through real gRPC over loopback TCP
 * into a server with production-default limits on the test JVM's PostgreSQL (see
 * {@link NoisyNeighbours} for each scenario and what is scaled down). It asserts that the victim
 * sees no error (so no call ran past its deadline), that the attacker gets only OK or clean
 * refusals (ErrorInfo, and RetryInfo where the client should come back), and that the victim's
 * export completes. Latencies are logged, not asserted: timing is bench/'s (FairnessBenchmark).
 *
 * <p>Before issue 10's protections, (b), (c) and (d) failed on every run and (e) on loaded runs
 * (victim calls past their deadline, valid calls braked, the victim's export stuck behind the
 * attacker's backlog); (a) has passed since WaitOperation stopped holding call threads.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class NoisyNeighbourTest {
  private static final Logger log = LoggerFactory.getLogger(NoisyNeighbourTest.class);

  /**
   * The attacker organization has 200k users; seeding that took ~27 s on the shared 2-core
   * machine (50k: ~20 s while other builds ran), so the suite seeds 50k (the benchmark 200k).
   */
  private static final int LARGE_ORG_USERS = 50_000;

  private static NoisyNeighbours scenarios;

  @BeforeAll
  static void scenarios() {
    scenarios = new NoisyNeighbours(TestDatabase.jdbcUrl(),
        new NoisyNeighbours.Settings(Duration.ofSeconds(3), Duration.ofSeconds(4), 40,
            Duration.ofSeconds(5), Duration.ofSeconds(10)),
        LARGE_ORG_USERS);
  }

  @Test
  void waitOperationFlood_victimUnaffected_attackerRefusedCleanly() throws Exception {
    check(scenarios.waitOperationFlood());
  }

  @Test
  void heavyListFlood_victimUnaffected_attackerRefusedCleanly() throws Exception {
    check(scenarios.heavyListFlood());
  }

  @Test
  void badKeyFloodFromVictimsAddress_victimNeverBraked() throws Exception {
    check(scenarios.badKeyFlood());
  }

  @Test
  void exportFlood_victimsSmallExportCompletes_attackerRefusedCleanly() throws Exception {
    Result result = check(scenarios.exportFlood());
    assertThat(result.victimExport()).as("the victim's export").hasValueSatisfying(e -> {
      assertThat(e.done()).as("victim export done within its bound: %s", e).isTrue();
      assertThat(e.error()).as("victim export error").isEmpty();
    });
  }

  @Test
  void keyMinting_victimUnaffected_attackerRefusedCleanly() throws Exception {
    check(scenarios.keyMinting());
  }

  private static Result check(Result result) {
    log.info("{}", result);
    assertThat(result.alone().errorCount()).as("victim errors alone: %s", result.alone()).isZero();
    assertThat(result.underAttack().errors())
        .as("no victim call ran past its deadline: %s", result.underAttack())
        .doesNotContainKey(Status.Code.DEADLINE_EXCEEDED);
    assertThat(result.underAttack().errorCount())
        .as("victim errors under attack: %s", result.underAttack()).isZero();
    assertThat(result.underAttack().calls()).as("victim calls answered under attack").isPositive();
    assertThat(result.attacker().counts().values().stream().mapToInt(Integer::intValue).sum())
        .as("attacker answers (the attack ran)").isPositive();
    assertThat(result.attacker().uncleanExamples())
        .as("attacker answers that are not OK or a clean refusal (%s)", result.attacker())
        .isEmpty();
    return result;
  }
}
