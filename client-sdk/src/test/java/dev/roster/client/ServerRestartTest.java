package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.CallerLimits;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.RosterProcess;
import dev.roster.testing.TempDirs;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12's restart criterion: Roster's real main as a JVM of its own ({@link RosterProcess}) on
 * a PostgreSQL of the test's own ({@link PostgresProcess}), 5,000 users in one organization, and a
 * client built with nothing but a target and an API key. While it iterates every user with page
 * size 50 and, on another thread, loops GetUser, the server is stopped (SIGTERM, or SIGKILL),
 * left down 12 s and started again on the same port and data. Asserted: the iteration completes
 * with every user exactly once, and no call of either throws. Numbers go to an
 * {@code SDK-RESTART} line.
 */
@Timeout(value = 170, unit = TimeUnit.SECONDS)
class ServerRestartTest {
  private static final String ADMIN_KEY = "sdk-restart-admin-key-0123456789abcdefghijklmnopqrstuvwxyz";
  private static final int USERS = 5_000;
  private static final int PAGE_SIZE = 50;
  /** Where the server is stopped: after 20% of the users have been iterated. */
  private static final int STOP_AFTER = USERS / 5;
  /** How long the server stays down after its JVM has exited (the issue: back after 10-20 s). */
  private static final Duration DOWN = Duration.ofSeconds(12);
  private static final Duration START = Duration.ofSeconds(60);
  /** A JVM ended by SIGKILL / by SIGTERM after its shutdown hooks (128 + signal). */
  private static final int KILLED = 137;
  private static final int TERMINATED = 143;

  private static PostgresProcess postgres;
  private static Path dataDir;
  private static Map<String, String> env;
  /** The Roster JVM running now: the restart thread replaces it. */
  private static volatile RosterProcess roster;
  private static String target;
  private static String organization;
  private static List<String> userNames;

  @BeforeAll
  static void startAndSeed() throws Exception {
    postgres = PostgresProcess.start();
    dataDir = TempDirs.create("roster-sdk-restart-");
    int port = PostgresProcess.freePort();
    target = "127.0.0.1:" + port;
    env = new HashMap<>();
    env.put("ROSTER_GRPC_PORT", Integer.toString(port));
    env.put("ROSTER_ADMIN_PORT", "0");
    env.put("ROSTER_DATABASE_URL", postgres.jdbcUrl());
    env.put("ROSTER_DATABASE_USER", "postgres");
    env.put("ROSTER_DATA_DIR", dataDir.toString());
    env.put("ROSTER_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY);
    env.put("ROSTER_SHUTDOWN_GRACE", "3s");
    // One caller seeding and iterating fast: per-caller limits are not what is tested here.
    CallerLimits.lift(env);
    roster = RosterProcess.start(env, START);
    long seedStart = System.nanoTime();
    try (RosterClient client = defaultClient()) {
      organization = client.organizations().create(Organization.newBuilder()
          .setSlug(RosterClientTest.slug("restart")).build()).getName();
      // Seeding only: commits without waiting for the WAL flush (this disk's fsync takes ~5 ms).
      // Only Roster restarts below, never PostgreSQL, so no committed row can be lost.
      synchronousCommit(false);
      try {
        userNames = seed(client, organization);
      } finally {
        synchronousCommit(true);
      }
    }
    System.out.printf("SDK-RESTART seeded %d users in %d ms%n", userNames.size(),
        ms(seedStart, System.nanoTime()));
  }

  @AfterAll
  static void stopEverything() throws Exception {
    if (roster != null) {
      roster.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    if (dataDir != null) {
      TempDirs.delete(dataDir);
    }
  }

  /**
   * SIGTERM: the server drains for up to ROSTER_SHUTDOWN_GRACE, exits 143, and a new JVM starts
   * 12 s later. Iteration and GetUser loop see no error.
   */
  @Test
  void sigterm_midIteration_iterationAndGetLoopCompleteWithoutError() throws Exception {
    restartMidIteration("sigterm", false);
  }

  /** SIGKILL: connections drop with no goodbye; otherwise as the SIGTERM case. */
  @Test
  void sigkill_midIteration_iterationAndGetLoopCompleteWithoutError() throws Exception {
    restartMidIteration("sigkill", true);
  }

  private void restartMidIteration(String label, boolean kill) throws Exception {
    try (RosterClient client = defaultClient()) {
      Restart restart = new Restart(kill);
      GetLoop gets = new GetLoop(client, userNames).start();
      Iteration iteration = new Iteration(client, restart).run();
      // The loop goes on until the new process has answered a few of its calls.
      restart.join();
      gets.stopAfterSuccessesFrom(restart.listening, 20, Duration.ofSeconds(70));

      System.out.printf("SDK-RESTART %s: exitCode=%d signalToExitMs=%d downMs=%d (signal to"
              + " new process listening; relaunched %d ms after exit, started in %d ms)"
              + " | iteration: users=%d distinct=%d longestNextMs=%d error=%s"
              + " | getUser: calls=%d inFlightWhileDown=%d failures=%d longestCallMs=%d"
              + " firstFailures=%s%n",
          label, restart.exitCode, ms(restart.signalled, restart.exited),
          ms(restart.signalled, restart.listening), ms(restart.exited, restart.relaunched),
          ms(restart.relaunched, restart.listening), iteration.seen.size(),
          new HashSet<>(iteration.seen).size(), iteration.longestNextNanos / 1_000_000,
          iteration.error, gets.calls(), gets.overlapping(restart.signalled, restart.listening),
          gets.failures().size(), gets.longestNanos() / 1_000_000,
          gets.failures().subList(0, Math.min(3, gets.failures().size())));

      assertThat(restart.failure).as("failure stopping or starting Roster").isNull();
      assertThat(restart.exitCode).as("exit code of the stopped Roster JVM")
          .isEqualTo(kill ? KILLED : TERMINATED);
      assertThat(iteration.error).as("exception thrown by the iteration").isNull();
      assertThat(iteration.seen).as("users iterated").hasSize(USERS)
          .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(userNames);
      assertThat(iteration.longestNextNanos).as("the longest hasNext() (ns), which must have"
          + " spanned the outage for the test to mean anything")
          .isGreaterThan(DOWN.toNanos());
      assertThat(gets.failures()).as("GetUser calls that failed").isEmpty();
      assertThat(gets.overlapping(restart.signalled, restart.listening))
          .as("GetUser calls in flight while the server was down").isPositive();
    }
  }

  /** Stops the server on its own thread, keeps it down {@link #DOWN}, starts a new JVM. */
  private static final class Restart {
    private final boolean kill;
    private final CompletableFuture<Void> exitedFuture = new CompletableFuture<>();
    private Thread thread;
    volatile long signalled;
    volatile long exited;
    volatile long relaunched;
    volatile long listening;
    volatile int exitCode;
    volatile Throwable failure;

    Restart(boolean kill) {
      this.kill = kill;
    }

    /** Starts the stop on another thread and returns once the old JVM has exited. */
    void stopAndAwaitExit() throws Exception {
      thread = new Thread(this::run, "restart");
      thread.setDaemon(true);
      thread.start();
      exitedFuture.get(60, TimeUnit.SECONDS);
    }

    void join() throws InterruptedException {
      if (thread != null) {
        thread.join(TimeUnit.SECONDS.toMillis(120));
      }
    }

    private void run() {
      try {
        signalled = System.nanoTime();
        if (kill) {
          roster.sigkill();
        } else {
          roster.sigterm();
        }
        exitCode = roster.awaitExit(Duration.ofSeconds(30));
        exited = System.nanoTime();
        exitedFuture.complete(null);
        Thread.sleep(DOWN.toMillis());
        relaunched = System.nanoTime();
        roster = RosterProcess.start(env, START);
        listening = System.nanoTime();
      } catch (Throwable t) {
        failure = t;
        exitedFuture.completeExceptionally(t);
      }
    }
  }

  /**
   * {@code iterateAll()} over every user, page size 50, a few ms per page; after {@link
   * #STOP_AFTER} users it waits until the server's JVM has exited, so the next page is fetched
   * while no server is there.
   */
  private static final class Iteration {
    private final RosterClient client;
    private final Restart restart;
    final List<String> seen = new ArrayList<>();
    long longestNextNanos;
    RuntimeException error;

    Iteration(RosterClient client, Restart restart) {
      this.client = client;
      this.restart = restart;
    }

    Iteration run() throws Exception {
      try {
        Iterator<User> users = client.users().list(ListUsersRequest.newBuilder()
            .setParent(organization).setPageSize(PAGE_SIZE).build()).iterateAll().iterator();
        while (true) {
          long start = System.nanoTime();
          boolean more = users.hasNext();
          longestNextNanos = Math.max(longestNextNanos, System.nanoTime() - start);
          if (!more) {
            break;
          }
          seen.add(users.next().getName());
          if (seen.size() % PAGE_SIZE == 0) {
            Thread.sleep(3);
          }
          if (seen.size() == STOP_AFTER) {
            restart.stopAndAwaitExit();
          }
        }
      } catch (RuntimeException e) {
        error = e;
      }
      return this;
    }
  }

  /** GetUser in a loop on its own thread, one call at a time, every call timed. */
  private static final class GetLoop {
    private final RosterClient client;
    private final List<String> names;
    private final List<long[]> calls = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stop;
    private Thread thread;

    GetLoop(RosterClient client, List<String> names) {
      this.client = client;
      this.names = names;
    }

    GetLoop start() {
      thread = new Thread(this::run, "get-loop");
      thread.setDaemon(true);
      thread.start();
      return this;
    }

    /** Stops once {@code successes} calls started after {@code from} succeeded (or at the limit). */
    void stopAfterSuccessesFrom(long from, int successes, Duration limit)
        throws InterruptedException {
      long end = System.nanoTime() + limit.toNanos();
      while (System.nanoTime() < end && succeededFrom(from) < successes) {
        Thread.sleep(20);
      }
      stop = true;
      thread.join(TimeUnit.SECONDS.toMillis(90));
    }

    int calls() {
      return calls.size();
    }

    List<String> failures() {
      return List.copyOf(failures);
    }

    long longestNanos() {
      synchronized (calls) {
        return calls.stream().mapToLong(c -> c[1] - c[0]).max().orElse(0);
      }
    }

    /** Calls that were running at some time between {@code from} and {@code to}. */
    long overlapping(long from, long to) {
      synchronized (calls) {
        return calls.stream().filter(c -> c[0] < to && c[1] > from).count();
      }
    }

    private long succeededFrom(long from) {
      synchronized (calls) {
        return calls.stream().filter(c -> c[0] >= from && c[2] == 1).count();
      }
    }

    private void run() {
      for (int i = 0; !stop; i++) {
        String name = names.get((i * 7919) % names.size());
        long start = System.nanoTime();
        boolean ok;
        try {
          ok = client.users().get(name).getName().equals(name);
          if (!ok) {
            failures.add("GetUser(" + name + ") returned another user");
          }
        } catch (RuntimeException e) {
          ok = false;
          failures.add(e.getClass().getSimpleName() + " after "
              + (System.nanoTime() - start) / 1_000_000 + " ms: " + e.getMessage());
        }
        calls.add(new long[] {start, System.nanoTime(), ok ? 1 : 0});
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** The client as a new user builds it: a target and an API key, every other setting default. */
  private static RosterClient defaultClient() {
    return RosterClient.newBuilder().target(target).apiKey(ADMIN_KEY).build();
  }

  /** Creates {@link #USERS} users through the SDK, 16 calls in flight; their names in order. */
  private static List<String> seed(RosterClient client, String parent) throws Exception {
    Semaphore inFlight = new Semaphore(16);
    List<CompletableFuture<User>> created = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      String handle = "user-" + i;
      inFlight.acquire();
      created.add(client.users().createAsync(CreateUserRequest.newBuilder().setParent(parent)
              .setUser(User.newBuilder().setHandle(handle).setEmail(handle + "@example.com"))
              .build())
          .whenComplete((user, error) -> inFlight.release()));
    }
    List<String> names = new ArrayList<>();
    for (CompletableFuture<User> user : created) {
      names.add(user.get(120, TimeUnit.SECONDS).getName());
    }
    return names;
  }

  private static void synchronousCommit(boolean on) throws SQLException {
    try (Connection c = postgres.connect(); Statement statement = c.createStatement()) {
      statement.execute(on ? "alter system reset synchronous_commit"
          : "alter system set synchronous_commit = off");
      statement.execute("select pg_reload_conf()");
    }
  }

  private static long ms(long from, long to) {
    return (to - from) / 1_000_000;
  }
}
