package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.roster.proto.accounts.v1.Organization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A request over the server's message limit is a RequestTooLargeException, gzip or not. */
class RequestTooLargeTest {
  private static RosterTestServer server;

  @BeforeAll
  static void start() {
    server = RosterTestServer.start(Map.of("ROSTER_MAX_MESSAGE_BYTES", "4096"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void oversizedBatchGet_isRequestTooLarge_withAndWithoutGzip() {
    for (boolean gzip : new boolean[] {true, false}) {
      RosterClient.Builder builder = RosterClient.newBuilder().target(server.target())
          .apiKey(RosterTestServer.ADMIN_KEY);
      if (!gzip) {
        builder.disableCompression();
      }
      try (RosterClient roster = builder.build()) {
        Organization org = roster.organizations().create(Organization.newBuilder()
            .setSlug(RosterClientTest.slug("big")).build());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          names.add(org.getName() + "/users/" + UUID.randomUUID());
        }
        RequestTooLargeException e = catchThrowableOfType(RequestTooLargeException.class,
            () -> roster.users().batchGet(org.getName(), names));
        assertThat(e).as("gzip=%s", gzip).isNotNull();
        assertThat(e.isRetryable()).isFalse();
      }
    }
  }
}
