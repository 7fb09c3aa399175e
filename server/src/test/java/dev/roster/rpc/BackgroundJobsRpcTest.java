package dev.roster.rpc;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.longrunning.CancelOperationRequest;
import com.google.longrunning.GetOperationRequest;
import com.google.longrunning.ListOperationsRequest;
import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.longrunning.WaitOperationRequest;
import com.google.protobuf.Duration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.ExportUsersMetadata;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.Status.Code;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Welcome emails and users exports end to end: gRPC, the job queue, workers, SMTP and files. */
class BackgroundJobsRpcTest {
  @RegisterExtension
  static GreenMailExtension smtp = new GreenMailExtension(new ServerSetup(0, "127.0.0.1", "smtp"));

  private static Map<String, String> smtpEnv() {
    return Map.of("ROSTER_SMTP_HOST", "127.0.0.1",
        "ROSTER_SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()),
        "ROSTER_SMTP_STARTTLS", "false", "ROSTER_MAIL_FROM", "roster@example.com");
  }

  private static Organization org(TestServer server) {
    return server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("jobs")).setDisplayName("Jobs Inc"))
        .build());
  }

  @Test
  void createUser_sendsOneWelcomeEmail_andAFailedCreateEnqueuesNothing() throws Exception {
    try (TestServer server = TestServer.start(smtpEnv())) {
      Organization org = org(server);
      User ada = server.accounts().createUser(CreateUserRequest.newBuilder().setParent(org.getName())
          .setUser(User.newBuilder().setHandle(Fixtures.slug("ada")).setEmail(Fixtures.email("ada"))
              .setDisplayName("Ada")).build());
      failure(() -> server.accounts().createUser(CreateUserRequest.newBuilder().setParent(org.getName())
          .setUser(User.newBuilder().setHandle(ada.getHandle()).setEmail(Fixtures.email("dup"))).build()))
          .is(Code.ALREADY_EXISTS, "HANDLE_TAKEN");

      // A job is completed only after its send returned, and GreenMail has the message by then;
      // once the org's only welcome job is completed, no second delivery can still be coming.
      String orgId = org.getName().substring("organizations/".length());
      Await.until("the welcome job to complete", () -> TestDatabase.database().jdbi().withHandle(h ->
          h.createQuery("select count(*) filter (where state <> 'completed') = 0 and count(*) > 0"
                  + " from jobs where kind = 'welcome_email' and args::text like :org")
              .bind("org", "%" + orgId + "%").mapTo(Boolean.class).one()));
      MimeMessage[] received = java.util.Arrays.stream(smtp.getReceivedMessages())
          .filter(m -> {
            try {
              return m.getAllRecipients()[0].toString().equals(ada.getEmail());
            } catch (jakarta.mail.MessagingException e) {
              throw new AssertionError(e);
            }
          }).toArray(MimeMessage[]::new);
      assertThat(received).hasSize(1);
      assertThat(received[0].getSubject()).isEqualTo("Your new Roster account");
      int welcomeJobs = TestDatabase.database().jdbi().withHandle(h -> h.createQuery(
              "select count(*) from jobs where kind = 'welcome_email' and args::text like :org")
          .bind("org", "%" + orgId + "%").mapTo(Integer.class).one());
      assertThat(welcomeJobs).isEqualTo(1);
    }
  }

  @Test
  void exportUsers_100kUsers_streamsGzipNdjson_throughALongRunningOperation() throws Exception {
    try (TestServer server = TestServer.start(Map.of())) {
      Organization org = org(server);
      UUID orgId = UUID.fromString(org.getName().substring("organizations/".length()));
      TestDatabase.database().jdbi().useHandle(h -> h.execute("""
          insert into users (organization_id, id, handle, email, status, create_time, update_time)
          select ?, gen_random_uuid(), 'x-' || i, 'x' || i || '@example.com',
                 case when i % 10 = 0 then 'SUSPENDED' else 'ACTIVE' end,
                 now() + i * interval '1 microsecond', now()
            from generate_series(1, 100000) i""", orgId));
      Operation started = server.accounts().exportUsers(ExportUsersRequest.newBuilder()
          .setParent(org.getName()).setFilter("status = ACTIVE").build());
      assertThat(started.getName()).startsWith(org.getName() + "/operations/");
      assertThat(started.getDone()).isFalse();

      var operations = OperationsGrpc.newBlockingStub(server.channel())
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
          .withDeadlineAfter(120, TimeUnit.SECONDS);
      Operation done = started;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!done.getDone() && System.nanoTime() < until) {
        done = operations.waitOperation(WaitOperationRequest.newBuilder().setName(started.getName())
            .setTimeout(Duration.newBuilder().setSeconds(10)).build());
      }
      assertThat(done.getDone()).isTrue();
      assertThat(done.hasError()).as("error: %s", done.getError()).isFalse();
      ExportUsersResponse result = done.getResponse().unpack(ExportUsersResponse.class);
      assertThat(result.getUserCount()).isEqualTo(90_000);
      assertThat(done.getMetadata().unpack(ExportUsersMetadata.class).getExportedCount()).isEqualTo(90_000);

      // The uri names the operation, for ReadExport; no server path is handed out.
      assertThat(result.getUri()).isEqualTo(started.getName());
      byte[] file = ExportDownloads.read(server.accounts(), started.getName());
      assertThat((long) file.length).isEqualTo(result.getByteCount());
      ObjectMapper json = new ObjectMapper();
      long lines = 0;
      try (BufferedReader in = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(new ByteArrayInputStream(file)), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          JsonNode user = json.readTree(line);
          assertThat(user.get("status").asText()).isEqualTo("ACTIVE");
          if (lines == 0) {
            assertThat(user.get("name").asText()).startsWith(org.getName() + "/users/");
          }
          lines++;
        }
      }
      assertThat(lines).isEqualTo(90_000);

      assertThat(operations.listOperations(ListOperationsRequest.newBuilder().setName(org.getName()).build())
          .getOperationsList()).extracting(Operation::getName).contains(started.getName());
      assertThat(operations.getOperation(GetOperationRequest.newBuilder().setName(started.getName()).build())
          .getDone()).isTrue();
    }
  }

  @Test
  void exportUsers_cancelled_stopsWithCancelledAndNoResult_andOtherTenantsAreRefused() throws Exception {
    Operation started;
    Organization org;
    try (TestServer api = TestServer.start(Map.of("ROSTER_ROLE", "api"))) {
      org = org(api);
      started = api.accounts().exportUsers(ExportUsersRequest.newBuilder().setParent(org.getName()).build());
      var operations = OperationsGrpc.newBlockingStub(api.channel())
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY)).withDeadlineAfter(30, TimeUnit.SECONDS);
      operations.cancelOperation(CancelOperationRequest.newBuilder().setName(started.getName()).build());

      Organization other = org(api);
      String otherKey = api.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
          .setParent(other.getName()).setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ))
          .build()).getSecret();
      var foreign = OperationsGrpc.newBlockingStub(api.channel())
          .withCallCredentials(TestServer.bearer(otherKey)).withDeadlineAfter(30, TimeUnit.SECONDS);
      failure(() -> foreign.getOperation(GetOperationRequest.newBuilder().setName(started.getName()).build()))
          .is(Code.PERMISSION_DENIED, "TENANT_FORBIDDEN");
      failure(() -> foreign.cancelOperation(CancelOperationRequest.newBuilder()
          .setName(org.getName() + "/operations/" + UUID.randomUUID()).build()))
          .is(Code.PERMISSION_DENIED, "TENANT_FORBIDDEN");
    }
    // Only now does a process that runs jobs (role all) see the job: it finds the cancellation
    // and stops without writing a result.
    try (TestServer worker = TestServer.start(Map.of())) {
      var operations = OperationsGrpc.newBlockingStub(worker.channel())
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY)).withDeadlineAfter(60, TimeUnit.SECONDS);
      Operation done = operations.waitOperation(WaitOperationRequest.newBuilder().setName(started.getName())
          .setTimeout(Duration.newBuilder().setSeconds(30)).build());
      assertThat(done.getDone()).isTrue();
      assertThat(done.getError().getCode()).isEqualTo(Code.CANCELLED.value());
      assertThat(done.hasResponse()).isFalse();
    }
  }
}
