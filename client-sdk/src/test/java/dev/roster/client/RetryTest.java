package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import io.grpc.ConnectivityState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Idempotent calls survive a server that stops and comes back on the same port. */
class RetryTest {
  /**
   * Backoff that spans a server start on a loaded 2-core CI machine (several seconds, five pools
   * and migrations); the defaults span about 1.5 s, which is the SDK issue's concern, not this test's.
   */
  private static final RetrySettings SLOW_RESTART =
      new RetrySettings(5, Duration.ofSeconds(1), Duration.ofSeconds(5), 2.0, 10, 0.1);

  @Test
  void iteration_survivesServerRestartMidway() throws Exception {
    try (RosterTestServer server = RosterTestServer.start(Map.of());
        RosterClient client = RosterClient.newBuilder().target(server.target())
            .apiKey(RosterTestServer.ADMIN_KEY).defaultDeadline(Duration.ofSeconds(20))
            .retrySettings(SLOW_RESTART).build()) {
      Organization org = client.organizations().create(
          Organization.newBuilder().setSlug(RosterClientTest.slug("retry")).build());
      List<String> created = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String handle = RosterClientTest.slug("r");
        created.add(client.users().create(org.getName(),
            User.newBuilder().setHandle(handle).setEmail(handle + "@example.com").build()).getName());
      }
      List<String> seen = new ArrayList<>();
      int index = 0;
      for (User user : client.users().list(ListUsersRequest.newBuilder()
          .setParent(org.getName()).setPageSize(3).build()).iterateAll()) {
        seen.add(user.getName());
        if (++index == 4) {
          // Mid-iteration: the server goes away; the next page is fetched while it restarts.
          server.stop();
          new Thread(() -> restartOnceRefused(client, server)).start();
        }
      }
      assertThat(seen).containsExactlyElementsOf(created);
    }
  }

  @Test
  void createWhileServerIsDown_retriesWithItsRequestId_createsOne() throws Exception {
    try (RosterTestServer server = RosterTestServer.start(Map.of());
        RosterClient client = RosterClient.newBuilder().target(server.target())
            .apiKey(RosterTestServer.ADMIN_KEY).defaultDeadline(Duration.ofSeconds(20))
            .retrySettings(SLOW_RESTART).build()) {
      Organization org = client.organizations().create(
          Organization.newBuilder().setSlug(RosterClientTest.slug("down")).build());
      server.stop();
      Thread restarter = new Thread(() -> restartOnceRefused(client, server));
      restarter.start();
      String handle = RosterClientTest.slug("late");
      User user = client.users().create(org.getName(),
          User.newBuilder().setHandle(handle).setEmail(handle + "@example.com").build());
      restarter.join();
      assertThat(user.getHandle()).isEqualTo(handle);
      assertThat(client.users().list(org.getName()).stream().map(User::getHandle)).containsExactly(handle);
    }
  }

  /**
   * Starts the stopped server again once the client has found it gone (its channel in
   * TRANSIENT_FAILURE after a refused connection), so the call under test meets the outage
   * whatever the machine's speed, without a fixed wait.
   */
  private static void restartOnceRefused(RosterClient client, RosterTestServer server) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (client.channel().getState(false) != ConnectivityState.TRANSIENT_FAILURE
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    server.start();
  }
}
