package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.config.RosterConfig;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.TestServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Embedded mode: the server's own PostgreSQL keeps its data in ROSTER_DATA_DIR across restarts. */
class RestartTest {
  @TempDir Path dataDir;

  @Test
  void embeddedDatabase_restart_keepsData() throws Exception {
    RosterConfig config = RosterConfig.from(Map.of(
        "ROSTER_GRPC_PORT", "0", "ROSTER_ADMIN_PORT", "0", "ROSTER_DATA_DIR", dataDir.toString(),
        "ROSTER_BOOTSTRAP_ADMIN_KEY", TestServer.ADMIN_KEY));

    Organization created;
    try (RosterServer first = RosterServer.start(config)) {
      created = call(first, stub -> stub.createOrganization(CreateOrganizationRequest.newBuilder()
          .setOrganization(Organization.newBuilder().setSlug("survivor")).build()));
    }
    try (RosterServer second = RosterServer.start(config)) {
      Organization read = call(second, stub -> stub.getOrganization(
          GetOrganizationRequest.newBuilder().setName(created.getName()).build()));
      assertThat(read).isEqualTo(created);
    }
  }

  private static <T> T call(RosterServer server,
      java.util.function.Function<AccountsServiceGrpc.AccountsServiceBlockingStub, T> rpc)
      throws InterruptedException {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port())
        .usePlaintext().build();
    try {
      return rpc.apply(AccountsServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
          .withDeadlineAfter(30, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
