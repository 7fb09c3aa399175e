package dev.roster.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.TestServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import com.google.rpc.ErrorInfo;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 5: Roster lets go of PostgreSQL cleanly. Stopping leaves no backend working for
 * it, even for statements no call cancels (an API-key lookup); and {@code abortRunningStatements}
 * ends calls blocked in a frozen database at once with UNAVAILABLE, the pool recovering after.
 */
class DatabaseLetGoTest {
  private static PostgresProcess postgres;

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresProcess.start();
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  private static TestServer server(Map<String, String> env) {
    return Blocking.server(postgres, env);
  }

  @Test
  void close_withStatementsBlocked_afterAOneSecondGrace_leavesNoRosterBackend() throws Exception {
    TestServer server = server(Map.of("ROSTER_SHUTDOWN_GRACE", "1s"));
    try {
      Organization org = Blocking.org(server);
      User user = Blocking.user(server, org);
      try (Connection lock = Blocking.lock(postgres.jdbcUrl(), user);
          Connection keys = postgres.connect()) {
        // A write blocked on the row lock (its call is cancelled at shutdownNow)...
        ListenableFuture<User> write = Blocking.suspend(server, user, 60_000);
        // ...and an API-key lookup blocked on the table lock: it runs before the handler, no call
        // cancellation reaches it, so only closing the pools can end it.
        keys.setAutoCommit(false);
        try (Statement s = keys.createStatement()) {
          s.execute("lock table api_keys in access exclusive mode");
        }
        var lookup = dev.roster.proto.accounts.v1.AccountsServiceGrpc.newFutureStub(server.channel())
            .withCallCredentials(TestServer.bearer("rk_"
                + java.util.UUID.randomUUID().toString().replace("-", "") + "_" + "A".repeat(43)))
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .getOrganization(GetOrganizationRequest.newBuilder().setName(org.getName()).build());
        Await.until("a write and a key lookup blocked",
            () -> Blocking.waitingOnLocks(postgres.jdbcUrl()) == 2);

        long start = System.nanoTime();
        // The server's own stop (SIGTERM's): the client stays connected, so the grace runs out.
        server.server().close();
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long closed = System.nanoTime();
        Await.until(java.time.Duration.ofSeconds(2), "no roster- backend",
            () -> Blocking.rosterBackends(postgres.jdbcUrl(), "") == 0);
        System.out.printf("close with a write and a key lookup blocked, grace 1 s: close() %d ms,"
                + " no roster- backend %d ms after%n", closeMillis,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed));
        assertThat(closeMillis).isGreaterThanOrEqualTo(1_000);
        assertThat(write.isDone()).isTrue();
        assertThat(lookup.isDone()).isTrue();
        keys.rollback();
        lock.rollback();
      }
    } finally {
      server.close();
    }
  }

  @Test
  void abortRunningStatements_callBlockedInAFrozenDatabase_getsUnavailableAtOnce_poolRecovers()
      throws Exception {
    try (TestServer server = server(Map.of())) {
      Organization org = Blocking.org(server);
      User user = Blocking.user(server, org);
      try (Connection lock = Blocking.lock(postgres.jdbcUrl(), user)) {
        ListenableFuture<User> write = Blocking.suspend(server, user, 60_000);
        Await.until("the write blocked on the lock",
            () -> Blocking.waitingOnLocks(postgres.jdbcUrl()) == 1);
        postgres.freeze();
        try {
          long start = System.nanoTime();
          assertThat(server.server().abortRunningStatements()).isEqualTo(1);
          StatusRuntimeException failure = failureOf(write);
          long endedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
          System.out.printf("abortRunningStatements, frozen database: the blocked call answered"
              + " UNAVAILABLE after %d ms%n", endedMillis);
          assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(StatusProto.fromThrowable(failure).getDetailsList())
              .anyMatch(d -> d.is(ErrorInfo.class));
          assertThat(endedMillis).isLessThan(500);
        } finally {
          postgres.thaw();
        }
        lock.rollback();
        Await.until("the API pool to serve again", () -> {
          try {
            return server.accounts().getUser(GetUserRequest.newBuilder()
                .setName(user.getName()).build()).getName().equals(user.getName());
          } catch (StatusRuntimeException notYet) {
            return false;
          }
        });
      }
    }
  }

  private static StatusRuntimeException failureOf(ListenableFuture<?> call) throws Exception {
    try {
      call.get(30, TimeUnit.SECONDS);
      throw new AssertionError("the call succeeded");
    } catch (ExecutionException e) {
      return (StatusRuntimeException) e.getCause();
    }
  }
}
