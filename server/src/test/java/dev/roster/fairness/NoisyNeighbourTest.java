package dev.roster.fairness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.fairness.NoisyNeighbours.Result;
import dev.roster.testing.TestDatabase;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
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
 * <p>Scenarios whose protection has not landed yet are {@code @Disabled} with what they saw on
 * main; run them anyway with
 * {@code -Djunit.jupiter.conditions.deactivate=org.junit.*DisabledCondition}, and drop the
 * annotation in the merge that brings the protection.
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
  @Disabled("issue 10: needs per-key/per-org bulkheads and separate DB pools; on main the victim's"
      + " calls time out behind 90 heavy lists (DB pool exhausted) and the attacker gets UNAVAILABLE"
      + " without RetryInfo")
  void heavyListFlood_victimUnaffected_attackerRefusedCleanly() throws Exception {
    check(scenarios.heavyListFlood());
  }

  @Test
  @Disabled("issue 10: needs the auth brake keyed by (address, claimed key) that never brakes a"
      + " valid key; on main the victim's calls from the same address get RESOURCE_EXHAUSTED")
  void badKeyFloodFromVictimsAddress_victimNeverBraked() throws Exception {
    check(scenarios.badKeyFlood());
  }

  @Test
  @Disabled("issue 10: needs the per-organization export cap and fair claims; on main the"
      + " victim's 4-user export waits behind the attacker's backlog past its 10 s bound")
  void exportFlood_victimsSmallExportCompletes_attackerRefusedCleanly() throws Exception {
    Result result = check(scenarios.exportFlood());
    assertThat(result.victimExport()).as("the victim's export").hasValueSatisfying(e -> {
      assertThat(e.done()).as("victim export done within its bound: %s", e).isTrue();
      assertThat(e.error()).as("victim export error").isEmpty();
    });
  }

  @Test
  @Disabled("issue 10: needs the organization rate bucket/in-flight limit and the cap on active"
      + " keys; on main 64 calls over freshly minted keys put the victim's p99 at 44-73x alone,"
      + " and in a loaded run 158 of its 160 calls past their 5 s deadline")
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
