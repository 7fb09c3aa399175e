package dev.roster.faults;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.TestServer;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 3: with the API pool busy (writes blocked on a row lock the test holds), cheap
 * reads are answered, or refused with UNAVAILABLE and a RetryInfo, in under a second each instead
 * of queueing toward their deadline; health with a 1 s deadline answers SERVING throughout.
 */
class PoolExhaustionTest {
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
  void writesBlocked_holdOnlyTheirShare_beyondItRefusedAtOnce_readsByKeyAnsweredFromTheReserve()
      throws Exception {
    // 6 connections, 2 kept for reads by key: writes, lists and batch reads may hold 4.
    try (TestServer server = server(Map.of("ROSTER_DATABASE_POOL_SIZE", "6",
        "ROSTER_DATABASE_READ_RESERVE", "2"))) {
      Organization org = Blocking.org(server);
      User user = Blocking.user(server, org);
      try (Connection lock = Blocking.lock(postgres.jdbcUrl(), user)) {
        List<ListenableFuture<User>> writes =
            Blocking.blockedWrites(server, postgres, user, 4, 30_000);

        // A fifth write finds the share taken: refused after the acquire timeout (500 ms), not
        // queued toward its deadline.
        long start = System.nanoTime();
        Failure refused = failure(() -> server.accounts().suspendUser(
            SuspendUserRequest.newBuilder().setName(user.getName()).build()))
            .is(Code.UNAVAILABLE, "DATABASE_POOL_EXHAUSTED");
        long refusedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(refused.retryDelay()).isPositive();
        assertThat(refused.errorInfo().getMetadataMap()).containsEntry("limit", "4");
        assertThat(refusedMillis).isLessThan(1_000);

        List<Long> reads = trickle(server, org, user, false);
        System.out.printf("writes blocked, reserve 2 of 6: 5th write refused in %d ms; %d reads by"
                + " key answered, max %d ms%n", refusedMillis, reads.size(),
            reads.stream().mapToLong(Long::longValue).max().orElseThrow());
        assertHealthServing(server);

        lock.rollback();
        for (ListenableFuture<User> write : writes) {
          assertThat(write.get(30, TimeUnit.SECONDS).getStatus()).isEqualTo(User.Status.SUSPENDED);
        }
      }
    }
  }

  @Test
  void wholePoolBusy_readsByKeyRefusedWithRetryInfo_withinTheAcquireTimeout() throws Exception {
    // No reserve: four writes take the whole pool; the acquire timeout is the default 500 ms.
    try (TestServer server = server(Map.of("ROSTER_DATABASE_POOL_SIZE", "4",
        "ROSTER_DATABASE_READ_RESERVE", "0"))) {
      Organization org = Blocking.org(server);
      User user = Blocking.user(server, org);
      try (Connection lock = Blocking.lock(postgres.jdbcUrl(), user)) {
        List<ListenableFuture<User>> writes =
            Blocking.blockedWrites(server, postgres, user, 4, 30_000);

        List<Long> reads = trickle(server, org, user, true);
        System.out.printf("whole pool busy: %d reads by key refused, max %d ms, median %d ms%n",
            reads.size(), reads.stream().mapToLong(Long::longValue).max().orElseThrow(),
            reads.stream().sorted().toList().get(reads.size() / 2));
        assertHealthServing(server);

        lock.rollback();
        for (ListenableFuture<User> write : writes) {
          assertThat(outcome(write)).isEqualTo(Code.OK);
        }
      }
    }
  }

  /**
   * Six GetUser and six GetOrganization calls in turn, with a 10 s deadline each; each must end in
   * under a second: answered, or (if {@code refused}) refused with DATABASE_POOL_EXHAUSTED and a
   * RetryInfo. Returns their times in milliseconds.
   */
  private static List<Long> trickle(TestServer server, Organization org, User user,
      boolean refused) {
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      var accounts = server.accounts().withDeadlineAfter(10, TimeUnit.SECONDS);
      boolean getUser = i % 2 == 0;
      long start = System.nanoTime();
      try {
        if (getUser) {
          accounts.getUser(GetUserRequest.newBuilder().setName(user.getName()).build());
        } else {
          accounts.getOrganization(
              GetOrganizationRequest.newBuilder().setName(org.getName()).build());
        }
        assertThat(refused).as("read %d answered", i).isFalse();
      } catch (StatusRuntimeException e) {
        assertThat(refused).as("read %d refused: %s", i, e).isTrue();
        Failure failure = new Failure(e).is(Code.UNAVAILABLE, "DATABASE_POOL_EXHAUSTED");
        assertThat(failure.retryDelay()).isPositive();
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(millis).as("read %d took", i).isLessThan(1_000);
      times.add(millis);
    }
    return times;
  }

  private static void assertHealthServing(TestServer server) {
    assertThat(HealthGrpc.newBlockingStub(server.channel()).withDeadlineAfter(1, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  private static Code outcome(ListenableFuture<?> call) throws InterruptedException {
    try {
      call.get(30, TimeUnit.SECONDS);
      return Code.OK;
    } catch (ExecutionException e) {
      return e.getCause() instanceof StatusRuntimeException s ? s.getStatus().getCode()
          : Code.UNKNOWN;
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the call did not end", e);
    }
  }
}
