package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.User;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12: an outage must not switch retries off for the calls after it. A fake AccountsService
 * on a real Netty server on 127.0.0.1 counts the attempts of every call (each call asks for a
 * user name of its own) and is switched between an outage (every attempt UNAVAILABLE) and a
 * flaky mode where only the first attempt of each call fails. What is tested is the client's
 * retry logic and its retry budget, not the server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RetryBudgetRecoveryTest {
  /** Short waits and a short total so that an outage call gives up within about a second. */
  private static final RetrySettings QUICK = RetrySettings.newBuilder()
      .setInitialRetryDelay(Duration.ofMillis(10))
      .setRetryDelayMultiplier(2.0)
      .setMaxRetryDelay(Duration.ofMillis(50))
      .setMaxAttempts(5)
      .setAttemptTimeout(Duration.ofSeconds(1))
      .setTotalTimeout(Duration.ofSeconds(3))
      .build();

  private final FlakyAccounts accounts = new FlakyAccounts();
  private Server server;

  @BeforeEach
  void startServer() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(accounts).build().start();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /**
   * With the default retry budget: 5 calls during an outage each use all 5 attempts and fail
   * with UNAVAILABLE; then each of 10 calls, whose first attempt fails, is retried once and
   * succeeds (attempts [2,2,2,2,2,2,2,2,2,2]; the issue measured [5,1,1,1,1,1,1,1,1,1]).
   */
  @Test
  void getUser_afterOutageOfFiveFailedCalls_nextTenCallsAreRetriedAndSucceed() {
    try (RosterClient client = client(0, null)) {
      List<Integer> outage = outage(client, 5);
      List<Integer> after = firstAttemptFails(client, 10);
      System.out.println("SDK-RETRY-BUDGET default budget: outage attempts=" + outage
          + " after-outage attempts=" + after);

      assertThat(outage).as("attempts of each call during the outage").containsOnly(5);
      assertThat(after).as("attempts of each call after the outage (all succeeded)")
          .hasSize(10).containsOnly(2);
    }
  }

  /**
   * With a small budget (6 retries per 2 s) the outage, which wants 20 retries within well under
   * a second, drains it, so some outage call gives up early; once a period has passed the budget
   * is full again, and 6 calls whose first attempt fails are each retried once and succeed.
   */
  @Test
  void getUser_budgetDrainedByOutage_refillsAndRetriesAgain() throws InterruptedException {
    Duration period = Duration.ofSeconds(2);
    try (RosterClient client = client(6, period)) {
      long start = System.nanoTime();
      List<Integer> outage = outage(client, 5);
      long outageMs = (System.nanoTime() - start) / 1_000_000;
      Thread.sleep(period.toMillis() + 100);
      List<Integer> after = firstAttemptFails(client, 6);
      System.out.println("SDK-RETRY-BUDGET budget 6 per 2 s: outage attempts=" + outage
          + " (" + outageMs + " ms) after-refill attempts=" + after);

      assertThat(outage).as("attempts during the outage: the drained budget must cut one short")
          .anyMatch(a -> a < 5);
      assertThat(after).as("attempts of each call after the refill (all succeeded)")
          .hasSize(6).containsOnly(2);
    }
  }

  /** Runs {@code calls} GetUsers during an outage; each must fail with UNAVAILABLE. */
  private List<Integer> outage(RosterClient client, int calls) {
    accounts.mode = Mode.OUTAGE;
    List<Integer> attempts = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      String name = accounts.newName();
      Throwable failure = catchThrowable(() -> client.users().get(name));
      assertThat(failure).as("GetUser during the outage").isInstanceOf(UnavailableException.class);
      attempts.add(accounts.attempts(name));
    }
    return attempts;
  }

  /** Runs {@code calls} GetUsers whose first attempt fails; each must return its user. */
  private List<Integer> firstAttemptFails(RosterClient client, int calls) {
    accounts.mode = Mode.FIRST_ATTEMPT_FAILS;
    List<Integer> attempts = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      String name = accounts.newName();
      assertThat(client.users().get(name).getName()).isEqualTo(name);
      attempts.add(accounts.attempts(name));
    }
    return attempts;
  }

  /** A client of the fake server with {@link #QUICK}; {@code period} null: the default budget. */
  private RosterClient client(int retries, Duration period) {
    RosterClient.Builder builder = RosterClient.newBuilder()
        .target("127.0.0.1:" + server.getPort()).apiKey("test-key").retrySettings(QUICK);
    if (period != null) {
      builder.retryBudget(retries, period);
    }
    return builder.build();
  }

  private enum Mode { OUTAGE, FIRST_ATTEMPT_FAILS }

  /** GetUser that counts attempts per user name and fails as its mode says. */
  private static final class FlakyAccounts extends AccountsServiceGrpc.AccountsServiceImplBase {
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final AtomicInteger names = new AtomicInteger();
    volatile Mode mode = Mode.OUTAGE;

    String newName() {
      return "organizations/o/users/u" + names.incrementAndGet();
    }

    int attempts(String name) {
      AtomicInteger count = attempts.get(name);
      return count == null ? 0 : count.get();
    }

    @Override
    public void getUser(GetUserRequest request, StreamObserver<User> response) {
      int attempt = attempts.computeIfAbsent(request.getName(), n -> new AtomicInteger())
          .incrementAndGet();
      if (mode == Mode.OUTAGE || attempt == 1) {
        response.onError(Status.UNAVAILABLE.withDescription("fake outage").asRuntimeException());
        return;
      }
      response.onNext(User.newBuilder().setName(request.getName()).build());
      response.onCompleted();
    }
  }
}
