package dev.roster.faults;

import static dev.roster.faults.FaultReport.ms;

import dev.roster.Storage;
import dev.roster.config.RosterConfig;
import dev.roster.fairness.Tenant;
import dev.roster.platform.db.DatabasePools.Pool;
import dev.roster.proto.accounts.v1.ApiKey.Scope;
import dev.roster.testing.Await;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.RosterProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's process faults: Roster's real main in a JVM of its own ({@link RosterProcess}) on a
 * PostgreSQL of the test's own, killed with SIGKILL or stopped with SIGTERM while writers create
 * users with request_ids (retrying on UNAVAILABLE/DEADLINE_EXCEEDED with the same request_id), a
 * trickle of cheap GetUser calls runs and a watcher polls health. Numbers go to a
 * {@code FAULT-SUITE} line; assertions are listed on each scenario.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class RosterProcessFaultsTest {
  private static final Duration WRITE_DEADLINE = Duration.ofSeconds(3);
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration GIVE_UP = Duration.ofSeconds(30);
  /** ROSTER_SHUTDOWN_GRACE of FaultSettings, and the margin its stop may take beyond it. */
  private static final Duration GRACE = Duration.ofSeconds(3);
  private static final Duration STOP_MARGIN = Duration.ofSeconds(5);
  /** A JVM ended by SIGKILL / by SIGTERM after its shutdown hooks (128 + signal). */
  private static final int KILLED = 137;
  private static final int TERMINATED = 143;

  private static PostgresProcess postgres;

  @TempDir Path dataDir;
  private int port;
  private Map<String, String> env;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<RosterProcess> processes = new ArrayList<>();

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresProcess.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void settings() {
    port = PostgresProcess.freePort();
    env = new HashMap<>(FaultSettings.env(postgres.jdbcUrl(), dataDir));
    env.put("ROSTER_GRPC_PORT", Integer.toString(port));
  }

  @AfterEach
  void stopEverything() {
    channels.forEach(ManagedChannel::shutdownNow);
    processes.forEach(RosterProcess::close);
  }

  /**
   * SIGKILL under write load, then a new Roster JVM on the same database and port; the writers
   * retry their unacknowledged requests against it with the same request_ids. Asserts: 0
   * acknowledged writes lost, 0 users created twice, replays return the first user, only
   * UNAVAILABLE/DEADLINE_EXCEEDED as errors, the dead process's PostgreSQL sessions gone within
   * 5 s of the kill (measured: how long they linger), the new process's sessions within its pool
   * sizes, and none left once it stops.
   */
  @Test
  void sigkillUnderWriteLoad_newProcessFinishesTheRetries() throws Exception {
    FaultReport report = new FaultReport("sigkill");
    RosterProcess first = start();
    Load load = load("sigkill");
    try {
      List<Integer> deadSessions = Leftovers.sessionPids(postgres);
      long kill = System.nanoTime();
      first.sigkill();
      int exit = first.awaitExit(Duration.ofSeconds(10));
      long exited = System.nanoTime();
      awaitQuietly(GIVE_UP, () -> Leftovers.sessionPids(postgres).stream()
          .noneMatch(deadSessions::contains));
      long sessionsGone = System.nanoTime();
      report.put("exitCode", exit).put("exitMs", ms(kill, exited))
          .put("deadSessions", deadSessions.size())
          .put("deadSessionsLingerMs", ms(kill, sessionsGone));
      report.check().assertThat(exit).as("exit code after SIGKILL").isEqualTo(KILLED);
      report.check().assertThat(Leftovers.sessionPids(postgres))
          .as("sessions of the killed process still in pg_stat_activity")
          .doesNotContainAnyElementsOf(deadSessions);
      report.check().assertThat(ms(kill, sessionsGone)).as("ms the dead sessions lingered")
          .isLessThanOrEqualTo(5_000);

      long restart = System.nanoTime();
      start();
      long listening = System.nanoTime();
      awaitQuietly(GIVE_UP, () -> load.writes.answers().firstOkStartedAfter(listening).isPresent());
      awaitQuietly(GIVE_UP, () -> load.health.current().equals(HealthWatch.SERVING));
      OptionalLong firstWrite = load.writes.answers().firstOkStartedAfter(listening);
      OptionalLong serving = load.health.firstAfter(listening, HealthWatch.SERVING::equals);
      int acknowledgedNow = load.writes.acknowledgedCount();
      awaitQuietly(GIVE_UP, () -> load.writes.acknowledgedCount() >= acknowledgedNow + 10);
      report.put("newProcessStartMs", ms(restart, listening))
          .put("firstWriteAfterListeningMs", ms(listening, firstWrite))
          .put("servingAfterListeningMs", ms(listening, serving))
          .put("health", load.health.describe(kill))
          .put("drained", load.stop());
      load.checkAll(report, kill, listening);
      checkSessionsWithinPools(report);
    } finally {
      load.close();
    }
    stopLast(report);
    report.finish();
  }

  /**
   * SIGTERM under write load. Asserts: the JVM exits with 143 within ROSTER_SHUTDOWN_GRACE + 5 s;
   * calls running or sent from the SIGTERM on end OK or UNAVAILABLE (nothing else); 0
   * acknowledged writes lost, 0 users created twice; no session of Roster left in
   * pg_stat_activity once it has exited.
   */
  @Test
  void sigtermUnderWriteLoad_drainsAndLeavesNothing() throws Exception {
    FaultReport report = new FaultReport("sigterm");
    RosterProcess roster = start();
    Load load = load("sigterm");
    long term;
    try {
      term = System.nanoTime();
      roster.sigterm();
      int exit = roster.awaitExit(GRACE.plus(STOP_MARGIN).plusSeconds(20));
      long exited = System.nanoTime();
      awaitQuietly(Duration.ofSeconds(10),
          () -> Leftovers.total(Leftovers.sessions(postgres)) == 0);
      long sessionsGone = System.nanoTime();
      OptionalLong notServing = load.health.firstAfter(term, s -> !s.equals(HealthWatch.SERVING));
      report.put("exitCode", exit).put("exitMs", ms(term, exited))
          .put("sessionsGoneAfterExitMs", ms(exited, sessionsGone))
          .put("notServingAfterMs", ms(term, notServing))
          .put("health", load.health.describe(term));
      // No server comes back: the writers' unacknowledged requests stay in doubt.
      load.close();
      report.check().assertThat(exit).as("exit code after SIGTERM").isEqualTo(TERMINATED);
      report.check().assertThat(ms(term, exited)).as("ms from SIGTERM to exit")
          .isLessThanOrEqualTo(GRACE.plus(STOP_MARGIN).toMillis());
      report.check().assertThat(Leftovers.sessions(postgres))
          .as("Roster sessions after it exited").isEmpty();
      var fromTerm = load.writes.answers().overlapping(term, Long.MAX_VALUE);
      fromTerm = new ArrayList<>(fromTerm);
      fromTerm.addAll(load.cheap.answers().overlapping(term, Long.MAX_VALUE));
      report.check().assertThat(Answers.where(fromTerm,
              a -> !a.ok() && a.code() != Status.Code.UNAVAILABLE))
          .as("calls during the SIGTERM that neither completed nor failed with UNAVAILABLE")
          .isEmpty();
      load.checkAll(report, term, -1);
    } finally {
      load.close();
    }
    report.finish();
  }

  /** The writers, the cheap-call trickle and the health watcher of one scenario. */
  private final class Load implements AutoCloseable {
    final Tenant tenant;
    final ManagedChannel admin;
    final HealthWatch health;
    final WriteLoad writes;
    final CheapCalls cheap;
    boolean stopped;

    Load(String name) {
      admin = channel();
      tenant = Tenant.create(admin, FaultSettings.ADMIN_KEY, name, 4, Scope.ACCOUNTS_READ,
          Scope.ACCOUNTS_WRITE);
      health = new HealthWatch(channel());
      writes = new WriteLoad(channel(), tenant.credentials(), tenant.organization(), 4,
          WRITE_DEADLINE, name).start();
      cheap = new CheapCalls(channel(), tenant.credentials(), tenant.users(),
          Duration.ofMillis(75), Duration.ofSeconds(5));
      Await.until("writes acknowledged before the fault", () -> writes.acknowledgedCount() >= 10);
    }

    /** Lets the writers finish their requests (at most 15 s), then stops everything. */
    boolean stop() throws InterruptedException {
      boolean drained = writes.drain(Duration.ofSeconds(15));
      close();
      return drained;
    }

    /**
     * Data and codes: acknowledged writes stored as acknowledged, none twice, only retryable
     * errors. After a SIGKILL ({@code backAt}: when the new process listened; -1 for SIGTERM)
     * also the client library's UNKNOWN for a call whose connection the kill closed under it, and
     * retries of acknowledged requests must return the first user.
     */
    void checkAll(FaultReport report, long faultStart, long backAt) throws Exception {
      boolean killed = backAt >= 0;
      report.put("writeErrors", Answers.detailedCounts(writes.answers().all()))
          .put("cheapErrors", Answers.detailedCounts(cheap.answers().all()))
          .put("cheapMaxFromFaultMs", Answers.maxMillis(
              cheap.answers().overlapping(faultStart, Long.MAX_VALUE)))
          .put("cheapP99FromFaultMs", Answers.p99Millis(
              cheap.answers().overlapping(faultStart, Long.MAX_VALUE)))
          .put("cheapFromFault", Answers.counts(
              cheap.answers().overlapping(faultStart, Long.MAX_VALUE)))
          .put("acknowledged", writes.acknowledgedCount())
          .put("acknowledgedAfterRetry", writes.acknowledged().values().stream()
              .filter(a -> a.attempts() > 1).count())
          .put("inDoubtAtEnd", writes.inDoubt().size());
      report.noLostOrDuplicatedWrites(postgres, tenant.organization(), writes);
      if (killed) {
        report.onlyRetryableErrorsAcrossKill("writes", writes.answers().all(), faultStart, backAt);
        report.onlyRetryableErrorsAcrossKill("cheap calls", cheap.answers().all(), faultStart,
            backAt);
      } else {
        report.onlyRetryableErrors("writes", writes.answers().all());
        report.onlyRetryableErrors("cheap calls", cheap.answers().all());
      }
      if (killed) {
        report.check().assertThat(writes.inDoubt()).as("requests never acknowledged").isEmpty();
        report.check().assertThat(Outcomes.replayMismatches(admin, tenant.credentials(),
                tenant.organization(), writes.acknowledged(), 50))
            .as("retries with the same request_id that did not return the first user").isEmpty();
      }
    }

    @Override
    public void close() throws InterruptedException {
      if (!stopped) {
        stopped = true;
        writes.close();
        cheap.close();
        health.close();
      }
    }
  }

  private Load load(String name) {
    return new Load(name);
  }

  private RosterProcess start() {
    RosterProcess roster = RosterProcess.start(env, START);
    processes.add(roster);
    return roster;
  }

  private ManagedChannel channel() {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .build();
    channels.add(channel);
    return channel;
  }

  private void checkSessionsWithinPools(FaultReport report) {
    Map<Pool, Integer> sizes = Storage.poolsFor(RosterConfig.from(env));
    Map<String, Integer> sessions = Leftovers.sessions(postgres);
    report.put("sessionsAfterRecovery", sessions);
    sizes.forEach((pool, size) -> report.check()
        .assertThat(sessions.getOrDefault(pool.poolName(), 0))
        .as("sessions of %s after recovery (pool size %d)", pool.poolName(), size)
        .isLessThanOrEqualTo(size));
  }

  /** SIGTERMs the last process started and checks it leaves no session behind. */
  private void stopLast(FaultReport report) {
    RosterProcess last = processes.get(processes.size() - 1);
    long term = System.nanoTime();
    last.sigterm();
    int exit = last.awaitExit(GRACE.plus(STOP_MARGIN).plusSeconds(20));
    awaitQuietly(Duration.ofSeconds(10), () -> Leftovers.total(Leftovers.sessions(postgres)) == 0);
    report.put("finalStopExitCode", exit).put("finalStopMs", ms(term, System.nanoTime()));
    report.check().assertThat(Leftovers.sessions(postgres))
        .as("Roster sessions after the last process exited").isEmpty();
  }

  private static void awaitQuietly(Duration giveUp, BooleanSupplier condition) {
    try {
      Await.until(giveUp, "condition", condition);
    } catch (AssertionError missed) {
      // the numbers and assertions after this say what did not happen
    }
  }
}
