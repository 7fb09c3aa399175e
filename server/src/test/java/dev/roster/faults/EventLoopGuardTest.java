package dev.roster.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.TestServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 1: cancelling a call's SQL must never run on a transport (Netty event-loop)
 * thread. Against a frozen PostgreSQL a cancel request blocks for the driver's cancel timeout; if
 * one ran on the event loop, every other call on that connection, health checks included, would
 * wait behind it. Here 24 calls whose statements are blocked in a frozen database are cancelled by
 * the client (RST_STREAM, handled on the event loop) or reach their deadline, and health checks on
 * the same channel keep answering in under 500 ms each.
 */
class EventLoopGuardTest {
  private static final int CALLS = 24;
  private static final long EXPIRING_MILLIS = 10_000;

  @Test
  void frozenDatabase_cancelsAndDeadlinesOfBlockedCalls_neverStallHealthOnTheSameChannel()
      throws Exception {
    try (PostgresProcess postgres = PostgresProcess.start();
        TestServer server = TestServer.start(Map.of(
            "ROSTER_DATABASE_URL", postgres.jdbcUrl(),
            "ROSTER_ROLE", "api",
            "ROSTER_DATABASE_POOL_SIZE", Integer.toString(CALLS + 2),
            "ROSTER_DATABASE_READ_RESERVE", "0",
            "ROSTER_AUTH_CACHE_TTL", "1h",
            "ROSTER_SHUTDOWN_GRACE", "1s"))) {
      // Every API connection open (HikariCP opens them one by one after start), so that no call
      // waits for one to be opened beyond the acquire timeout.
      Await.until("the API pool full", () -> Blocking.rosterBackends(postgres.jdbcUrl(),
          "and application_name = 'roster-api'") == CALLS + 2);
      Organization org = Blocking.org(server);
      User user = Blocking.user(server, org);
      // The admin key is cached from here on: authenticating needs no database while it is frozen.
      server.accounts().getUser(GetUserRequest.newBuilder().setName(user.getName()).build());

      try (Connection lock = Blocking.lock(postgres.jdbcUrl(), user)) {
        List<ListenableFuture<User>> cancelled = new ArrayList<>();
        List<ListenableFuture<User>> expiring = new ArrayList<>();
        for (int i = 0; i < CALLS / 2; i++) {
          cancelled.add(Blocking.suspend(server, user, 60_000));
          // Long enough to be blocked before it expires, even on a loaded machine.
          expiring.add(Blocking.suspend(server, user, EXPIRING_MILLIS));
        }
        long sent = System.nanoTime();
        Await.until(CALLS + " statements blocked on the lock",
            () -> Blocking.waitingOnLocks(postgres.jdbcUrl()) == CALLS);
        assertThat(expiring).noneMatch(ListenableFuture::isDone);
        postgres.freeze();
        try {
          long frozenAt = System.nanoTime();
          // Client cancels: RST_STREAM frames, which the server handles on its event loop.
          cancelled.forEach(call -> call.cancel(true));
          List<Long> health = new ArrayList<>();
          // From the client cancels to past the expiring calls' deadline, and on into the cancel
          // requests' timeouts (2 s each, two at a time).
          long until = Math.max(frozenAt + TimeUnit.SECONDS.toNanos(4),
              sent + TimeUnit.MILLISECONDS.toNanos(EXPIRING_MILLIS + 2_500));
          while (System.nanoTime() - until < 0) {
            health.add(Blocking.healthMillis(server));
            Thread.sleep(50);
          }
          // Out of time, or ended sooner as UNAVAILABLE once the probe declared the frozen
          // database down and its running statements' connections were aborted.
          for (ListenableFuture<User> call : expiring) {
            assertThat(code(call)).isIn(Status.Code.DEADLINE_EXCEEDED, Status.Code.UNAVAILABLE);
          }
          long max = health.stream().mapToLong(Long::longValue).max().orElseThrow();
          System.out.printf("frozen database, %d calls cancelled or expired: %d health checks on"
                  + " the same channel, max %d ms, median %d ms%n", CALLS, health.size(), max,
              health.stream().sorted().toList().get(health.size() / 2));
          assertThat(health).hasSizeGreaterThan(20).allMatch(ms -> ms < 500);
        } finally {
          postgres.thaw();
        }
        // Once PostgreSQL answers, the cancel requests (or the statements' own timeouts) end every
        // backend that was working for a call that has gone, while the lock is still held.
        Await.until("no Roster statement waiting on the lock",
            () -> Blocking.waitingOnLocks(postgres.jdbcUrl()) == 0);
        lock.rollback();
      }
    }
  }

  private static Status.Code code(ListenableFuture<?> call) throws InterruptedException {
    try {
      call.get(30, TimeUnit.SECONDS);
      return Status.Code.OK;
    } catch (ExecutionException e) {
      return e.getCause() instanceof StatusRuntimeException s ? s.getStatus().getCode()
          : Status.Code.UNKNOWN;
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the call did not end", e);
    }
  }
}
