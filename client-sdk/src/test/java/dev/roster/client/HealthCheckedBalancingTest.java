package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.User;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The SDK's balancing on real gRPC over loopback: two servers behind one {@code static:///}
 * target, each with grpc-java's health service. Calls spread over both; a server whose
 * AccountsService health is NOT_SERVING gets none until it serves again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HealthCheckedBalancingTest {
  private static final String NAME = "organizations/o/users/u";
  private final Replica a = new Replica();
  private final Replica b = new Replica();

  private static final class Replica {
    final AtomicInteger calls = new AtomicInteger();
    final HealthStatusManager health = new HealthStatusManager();
    final Server server;

    Replica() {
      health.setStatus(AccountsServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
      try {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new AccountsServiceGrpc.AccountsServiceImplBase() {
              @Override
              public void getUser(GetUserRequest request, StreamObserver<User> response) {
                calls.incrementAndGet();
                response.onNext(User.newBuilder().setName(request.getName()).build());
                response.onCompleted();
              }
            })
            .addService(health.getHealthService()).build().start();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    String address() {
      return "127.0.0.1:" + server.getPort();
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Replica r : new Replica[] {a, b}) {
      r.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void notServingReplica_getsNoCalls_untilItServesAgain() throws Exception {
    try (RosterClient client = RosterClient.newBuilder().addresses(a.address(), b.address())
        .apiKey("k").build()) {
      calls(client, 40);
      assertThat(a.calls.get()).as("calls on a, both serving").isBetween(15, 25);
      assertThat(b.calls.get()).as("calls on b, both serving").isBetween(15, 25);

      b.health.setStatus(AccountsServiceGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
      awaitOnly(client, a, b);
      int before = b.calls.get();
      calls(client, 40);
      assertThat(b.calls.get() - before).as("calls on b while NOT_SERVING").isZero();

      b.health.setStatus(AccountsServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (b.calls.get() == before && System.nanoTime() < end) {
        calls(client, 2);
      }
      assertThat(b.calls.get()).as("calls on b once it serves again").isGreaterThan(before);
    }
  }

  @Test
  void healthCheckDisabled_notServingReplicaStillGetsCalls() throws Exception {
    b.health.setStatus(AccountsServiceGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
    try (RosterClient client = RosterClient.newBuilder().addresses(a.address(), b.address())
        .disableHealthCheck().apiKey("k").build()) {
      calls(client, 40);
      assertThat(b.calls.get()).as("calls on b, health not checked").isBetween(15, 25);
    }
  }

  @Test
  void addresses_rejectNamesAndMalformedEntries() {
    assertThatThrownBy(() -> RosterClient.newBuilder().addresses("roster.internal:9090"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IP literals");
    assertThatThrownBy(() -> RosterClient.newBuilder().addresses("127.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RosterClient.newBuilder().addresses("127.0.0.1:70000"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(StaticAddresses.parse("static:///127.0.0.1:1,[::1]:2"))
        .containsExactly(new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("::1", 2));
  }

  /** Calls until a NOT_SERVING watch has reached the client: 20 calls in a row on {@code only}. */
  private static void awaitOnly(RosterClient client, Replica only, Replica other)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int streak = 0;
    while (streak < 20 && System.nanoTime() < end) {
      int before = other.calls.get();
      calls(client, 1);
      streak = other.calls.get() == before ? streak + 1 : 0;
    }
    assertThat(streak).as("consecutive calls that avoided the NOT_SERVING replica").isEqualTo(20);
  }

  private static void calls(RosterClient client, int n) {
    for (int i = 0; i < n; i++) {
      assertThat(client.users().get(NAME).getName()).isEqualTo(NAME);
    }
  }
}
