package dev.roster.faults;

import static dev.roster.faults.FaultReport.ms;

import dev.roster.RosterServer;
import dev.roster.Storage;
import dev.roster.config.RosterConfig;
import dev.roster.fairness.Tenant;
import dev.roster.platform.db.DatabasePools.Pool;
import dev.roster.proto.accounts.v1.ApiKey.Scope;
import dev.roster.testing.Await;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.TestServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's database faults, for real: PostgreSQL runs as a separate process
 * ({@link PostgresProcess}) that is stopped and started again, frozen with SIGSTOP, or made to hold
 * row locks, under a Roster served in this JVM on a loopback port, while writers create users with
 * request_ids (retrying on UNAVAILABLE/DEADLINE_EXCEEDED), a trickle of cheap GetUser calls runs and
 * a watcher polls health. Each scenario asserts the outcomes (see {@link #run}) and prints
 * its numbers on a {@code FAULT-SUITE} line.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatabaseFaultsTest {
  private static final Duration WRITE_DEADLINE = Duration.ofSeconds(3);
  private static final Duration CHEAP_PERIOD = Duration.ofMillis(75);
  private static final Duration CHEAP_DEADLINE = Duration.ofSeconds(5);
  /** The bounds. */
  private static final Duration HEALTH_BOUND = Duration.ofSeconds(2);
  private static final Duration CHEAP_BOUND = Duration.ofSeconds(1);
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(2);
  /** Only bounds a broken run; a passing one waits for what it awaits, not this long. */
  private static final Duration GIVE_UP = Duration.ofSeconds(20);
  /** Threads and sessions of a stopped Roster go at once; a little slack for thread exit. */
  private static final Duration LEFTOVERS_GONE = Duration.ofSeconds(5);

  private static PostgresProcess postgres;

  @TempDir Path dataDir;

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

  /** A fault: {@link #begin} puts it in place, {@link #end} removes it and returns when it is gone. */
  interface Fault {
    void begin(String organization) throws Exception;

    void end() throws Exception;
  }

  @Test
  void restartUnderWriteLoad() throws Exception {
    run("restart", 4, Duration.ofSeconds(3), true, new Fault() {
      @Override
      public void begin(String organization) {
        postgres.stop();
      }

      @Override
      public void end() {
        postgres.startAgain();
      }
    });
  }

  @Test
  void twentySecondFreezeUnderWriteLoad() throws Exception {
    run("freeze-20s", 4, Duration.ofSeconds(20), true, new Fault() {
      @Override
      public void begin(String organization) {
        postgres.freeze();
      }

      @Override
      public void end() {
        postgres.thaw();
      }
    });
  }

  /**
   * A test transaction holds the writers' organization row FOR UPDATE, so every CreateUser (which
   * takes it FOR SHARE) blocks holding an API-pool connection: 12 writers fill the pool of 8 and
   * queue for more. The cheap reads need no lock, only a connection. Health has its own.
   */
  @Test
  void poolExhaustionByRowLocks() throws Exception {
    run("pool-exhaustion", 12, Duration.ofSeconds(8), false, new Fault() {
      private Connection lock;

      @Override
      public void begin(String organization) throws Exception {
        lock = postgres.connect();
        lock.setAutoCommit(false);
        try (PreparedStatement s = lock.prepareStatement(
            "select id from organizations where id = ? for update")) {
          s.setObject(1, UUID.fromString(organization.substring("organizations/".length())));
          s.executeQuery().close();
        }
      }

      @Override
      public void end() throws Exception {
        lock.commit();
        lock.close();
      }
    });
  }

  /**
   * Runs one scenario and asserts: no acknowledged write lost or changed, no user created twice,
   * a retry with the same request_id returns the first attempt's user, only UNAVAILABLE or
   * DEADLINE_EXCEEDED as errors (writers and cheap calls, the whole run; the server's UNAVAILABLE
   * with a RetryInfo), health NOT_SERVING
   * within 2 s of the fault and SERVING within 2 s of its end (or SERVING throughout when the
   * database stays up), every cheap call started while the server knows of the fault answered or
   * refused within 1 s, a write succeeding within 2 s of the database's return, Roster's sessions
   * within its pool sizes after recovery, and neither threads nor sessions left once it stops.
   *
   * <p>"Started while the server knows": from health NOT_SERVING (from the fault's start when
   * the database stays up) to the fault's end. Calls started before the server can know (the issue
   * gives it 2 s) may wait; their latency is measured and printed ({@code cheapMaxAllMs}) but not
   * held to 1 s.
   */
  private void run(String name, int writers, Duration hold, boolean databaseAway, Fault fault)
      throws Exception {
    FaultReport report = new FaultReport(name);
    Map<String, String> env = FaultSettings.env(postgres.jdbcUrl(), dataDir);
    Map<Pool, Integer> poolSizes = Storage.poolsFor(RosterConfig.from(env));
    List<String> threadsBefore = Leftovers.rosterThreads();
    TestServer server = TestServer.builder().env(env).start();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      ManagedChannel admin = channel(server.port(), channels);
      Tenant tenant = Tenant.create(admin, FaultSettings.ADMIN_KEY, name, 4, Scope.ACCOUNTS_READ,
          Scope.ACCOUNTS_WRITE);
      HealthWatch health = new HealthWatch(channel(server.port(), channels));
      Await.until("health SERVING before the fault",
          () -> health.current().equals(HealthWatch.SERVING));
      WriteLoad writes = new WriteLoad(channel(server.port(), channels), tenant.credentials(),
          tenant.organization(), writers, WRITE_DEADLINE, name).start();
      CheapCalls cheap = new CheapCalls(channel(server.port(), channels), tenant.credentials(),
          tenant.users(), CHEAP_PERIOD, CHEAP_DEADLINE);
      long faultStart;
      long faultEnd;
      OptionalLong firstWrite;
      try {
        Await.until("writes acknowledged before the fault", () -> writes.acknowledgedCount() >= 10);
        faultStart = System.nanoTime();
        fault.begin(tenant.organization());
        FaultReport.hold(hold);
        fault.end();
        faultEnd = System.nanoTime();
        awaitQuietly(() -> writes.answers().firstOkStartedAfter(faultEnd).isPresent());
        awaitQuietly(() -> health.current().equals(HealthWatch.SERVING));
        firstWrite = writes.answers().firstOkStartedAfter(faultEnd);
        int acknowledgedAtRecovery = writes.acknowledgedCount();
        awaitQuietly(() -> writes.acknowledgedCount() >= acknowledgedAtRecovery + 10);
        report.put("drained", writes.drain(Duration.ofSeconds(15)));
      } finally {
        writes.close();
        cheap.close();
        health.close();
        postgres.thaw();
        postgres.startAgain();
      }

      // What clients saw.
      OptionalLong notServing = health.firstAfter(faultStart, s -> !s.equals(HealthWatch.SERVING));
      OptionalLong serving = health.firstAfter(faultEnd, HealthWatch.SERVING::equals);
      long knownFrom = databaseAway && notServing.isPresent() ? notServing.getAsLong() : faultStart;
      var cheapDuringFault = cheap.answers().overlapping(faultStart, faultEnd);
      var cheapWhileKnown = cheap.answers().startedBetween(knownFrom, faultEnd);
      report.put("faultMs", ms(faultStart, faultEnd))
          .put("notServingAfterMs", ms(faultStart, notServing))
          .put("servingAfterReturnMs", ms(faultEnd, serving))
          .put("health", health.describe(faultStart))
          .put("cheapMaxAllMs", Answers.maxMillis(cheapDuringFault))
          .put("cheapP99AllMs", Answers.p99Millis(cheapDuringFault))
          .put("cheapMaxWhileKnownMs", Answers.maxMillis(cheapWhileKnown))
          .put("cheapP99WhileKnownMs", Answers.p99Millis(cheapWhileKnown))
          .put("cheapDuringFault", Answers.counts(cheapDuringFault))
          .put("cheapErrors", Answers.detailedCounts(cheap.answers().all()))
          .put("writeErrors", Answers.detailedCounts(writes.answers().all()))
          .put("firstWriteAfterReturnMs", ms(faultEnd, firstWrite))
          .put("acknowledged", writes.acknowledgedCount())
          .put("acknowledgedAfterRetry", writes.acknowledged().values().stream()
              .filter(a -> a.attempts() > 1).count())
          .put("inDoubtAtEnd", writes.inDoubt().size());

      // What the database has.
      report.noLostOrDuplicatedWrites(postgres, tenant.organization(), writes);
      report.check().assertThat(Outcomes.replayMismatches(admin, tenant.credentials(),
              tenant.organization(), writes.acknowledged(), 50))
          .as("retries with the same request_id that did not return the first user").isEmpty();

      // What clients saw, against the bounds.
      report.onlyRetryableErrors("writes", writes.answers().all());
      report.onlyRetryableErrors("cheap calls", cheap.answers().all());
      if (databaseAway) {
        report.within("health NOT_SERVING after the fault began", ms(faultStart, notServing),
            HEALTH_BOUND);
        report.within("health SERVING after the database returned", ms(faultEnd, serving),
            HEALTH_BOUND);
      } else {
        report.check().assertThat(health.anyDuring(faultStart, faultEnd,
                s -> !s.equals(HealthWatch.SERVING)))
            .as("health left SERVING while the database answered: %s", health.describe(faultStart))
            .isFalse();
      }
      report.check().assertThat(cheapWhileKnown).as("cheap calls while the fault was known")
          .isNotEmpty();
      report.check().assertThat(Answers.where(cheapWhileKnown,
              a -> a.millis() > CHEAP_BOUND.toMillis()))
          .as("cheap calls started while the fault was known that took over %s", CHEAP_BOUND)
          .isEmpty();
      report.within("first write after the database returned", ms(faultEnd, firstWrite),
          RECOVERY_BOUND);

      // What Roster holds, then leaves behind.
      Map<String, Integer> sessions = Leftovers.sessions(postgres);
      report.put("sessionsAfterRecovery", sessions);
      poolSizes.forEach((pool, size) -> report.check()
          .assertThat(sessions.getOrDefault(pool.poolName(), 0))
          .as("sessions of %s after recovery (pool size %d)", pool.poolName(), size)
          .isLessThanOrEqualTo(size));
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
      long stopping = System.nanoTime();
      server.close();
      report.put("stopMs", ms(stopping, System.nanoTime()));
    }
    long stopped = System.nanoTime();
    awaitQuietly(LEFTOVERS_GONE, () -> Leftovers.total(Leftovers.sessions(postgres)) == 0);
    report.put("sessionsGoneAfterStopMs", ms(stopped, System.nanoTime()));
    report.check().assertThat(Leftovers.sessions(postgres)).as("sessions after Roster stopped")
        .isEmpty();
    awaitQuietly(LEFTOVERS_GONE, () -> Leftovers.newThreads(threadsBefore).isEmpty());
    List<String> leftThreads = Leftovers.newThreads(threadsBefore);
    report.put("threadsLeft", leftThreads);
    report.check().assertThat(leftThreads).as("Roster threads left after it stopped").isEmpty();
    report.finish();
  }

  private static ManagedChannel channel(int port, List<ManagedChannel> channels) {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .build();
    channels.add(channel);
    return channel;
  }

  /** Waits for {@code condition} up to {@link #GIVE_UP}; a miss is reported by the assertions. */
  private static void awaitQuietly(java.util.function.BooleanSupplier condition) {
    awaitQuietly(GIVE_UP, condition);
  }

  private static void awaitQuietly(Duration giveUp, java.util.function.BooleanSupplier condition) {
    try {
      Await.until(giveUp, "condition", condition);
    } catch (AssertionError missed) {
      // the numbers and assertions after this say what did not happen
    }
  }
}
