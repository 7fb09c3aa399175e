package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Idempotent calls survive a server that stops and comes back on the same port, with the default
 * retry settings (in-process restart; ServerRestartTest does it with a separate JVM).
 */
class RetryTest {
  @Test
  void iteration_survivesServerRestartMidway() throws Exception {
    try (RosterTestServer server = RosterTestServer.start(Map.of());
        RosterClient client = RosterClient.newBuilder().target(server.target())
            .apiKey(RosterTestServer.ADMIN_KEY).build()) {
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
          new Thread(server::start).start();
        }
      }
      assertThat(seen).containsExactlyElementsOf(created);
    }
  }

  @Test
  void createWhileServerIsDown_retriesWithItsRequestId_createsOne() throws Exception {
    try (RosterTestServer server = RosterTestServer.start(Map.of());
        RosterClient client = RosterClient.newBuilder().target(server.target())
            .apiKey(RosterTestServer.ADMIN_KEY).build()) {
      Organization org = client.organizations().create(
          Organization.newBuilder().setSlug(RosterClientTest.slug("down")).build());
      server.stop();
      Thread restarter = new Thread(server::start);
      restarter.start();
      String handle = RosterClientTest.slug("late");
      User user = client.users().create(org.getName(),
          User.newBuilder().setHandle(handle).setEmail(handle + "@example.com").build());
      restarter.join();
      assertThat(user.getHandle()).isEqualTo(handle);
      assertThat(client.users().list(org.getName()).stream().map(User::getHandle)).containsExactly(handle);
    }
  }
}
