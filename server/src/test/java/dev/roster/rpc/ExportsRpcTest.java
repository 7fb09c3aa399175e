package dev.roster.rpc;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.longrunning.WaitOperationRequest;
import com.google.protobuf.Duration;
import com.google.rpc.RetryInfo;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.ExportUsersMetadata;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.ReadExportRequest;
import dev.roster.proto.accounts.v1.ReadExportResponse;
import dev.roster.testing.Fixtures;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.Status.Code;
import io.grpc.protobuf.StatusProto;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** ExportUsers' per-organization cap and ReadExport, through real gRPC on a real PostgreSQL. */
class ExportsRpcTest {
  private static Organization org(TestServer server) {
    return server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("exports"))).build());
  }

  private static String readKey(TestServer server, Organization org) {
    return server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(org.getName()).setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ))
        .build()).getSecret();
  }

  private static ReadExportRequest read(String name) {
    return ReadExportRequest.newBuilder().setName(name).build();
  }

  /** Role api: nothing runs the jobs, so started exports stay pending. */
  @Test
  void exportUsers_overTheOrganizationsLimit_resourceExhaustedWithRetryInfo() throws Exception {
    try (TestServer server = TestServer.start(Map.of("ROSTER_ROLE", "api",
        "ROSTER_MAX_ACTIVE_EXPORTS_PER_ORGANIZATION", "1"))) {
      Organization org = org(server);
      ExportUsersRequest export = ExportUsersRequest.newBuilder().setParent(org.getName()).build();
      server.accounts().exportUsers(export);

      Failure f = failure(() -> server.accounts().exportUsers(export))
          .is(Code.RESOURCE_EXHAUSTED, "EXPORT_LIMIT_REACHED");
      assertThat(f.errorInfo().getMetadataMap()).containsEntry("limit", "1");
      RetryInfo retry = StatusProto.fromThrowable(f.exception()).getDetailsList().stream()
          .filter(a -> a.is(RetryInfo.class)).findFirst().orElseThrow().unpack(RetryInfo.class);
      assertThat(retry.getRetryDelay().getSeconds()).isPositive();
      // Another tenant's export is still accepted.
      Organization other = org(server);
      assertThat(server.accounts().exportUsers(ExportUsersRequest.newBuilder()
          .setParent(other.getName()).build()).getDone()).isFalse();
    }
  }

  @Test
  void readExport_notDoneOtherTenantUnknownOrMalformed_refusedBeforeAnyRead() throws Exception {
    try (TestServer server = TestServer.start(Map.of("ROSTER_ROLE", "api"))) {
      Organization org = org(server);
      Operation started = server.accounts().exportUsers(
          ExportUsersRequest.newBuilder().setParent(org.getName()).build());
      String own = readKey(server, org);
      String foreign = readKey(server, org(server));

      failure(() -> server.accounts(own).readExport(read(started.getName())).hasNext())
          .is(Code.FAILED_PRECONDITION, "EXPORT_NOT_DONE");
      failure(() -> server.accounts(foreign).readExport(read(started.getName())).hasNext())
          .is(Code.PERMISSION_DENIED, "TENANT_FORBIDDEN");
      failure(() -> server.accounts(own).readExport(
          read(org.getName() + "/operations/" + UUID.randomUUID())).hasNext())
          .is(Code.NOT_FOUND, "OPERATION_NOT_FOUND");
      failure(() -> server.accounts(own).readExport(read("/etc/passwd")).hasNext())
          .isBadField("name", "INVALID_RESOURCE_NAME");
    }
  }

  /** Starts an export of {@code users} new users and waits until it is done. */
  private static Operation finishedExport(TestServer server, Organization org, int users) {
    UUID orgId = UUID.fromString(org.getName().substring("organizations/".length()));
    // Random-looking emails, so the compressed file spans several chunks.
    TestDatabase.database().jdbi().useHandle(h -> h.execute("""
        insert into users (organization_id, id, handle, email, status, create_time, update_time)
        select ?, gen_random_uuid(), 'r-' || i, md5(i::text) || '@example.com', 'ACTIVE',
               now() + i * interval '1 microsecond', now()
          from generate_series(1, ?) i""", orgId, users));
    Operation started = server.accounts().exportUsers(
        ExportUsersRequest.newBuilder().setParent(org.getName()).build());
    var operations = OperationsGrpc.newBlockingStub(server.channel())
        .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
    Operation done = started;
    for (int i = 0; i < 6 && !done.getDone(); i++) {
      done = operations.waitOperation(WaitOperationRequest.newBuilder().setName(started.getName())
          .setTimeout(Duration.newBuilder().setSeconds(10)).build());
    }
    assertThat(done.getDone()).as("export done").isTrue();
    assertThat(done.hasError()).as("error: %s", done.getError()).isFalse();
    return done;
  }

  /**
   * A reader that takes one chunk and stops holds no call thread: with a single call thread,
   * another call is answered while the stream waits, and the stream then finishes when read.
   */
  @Test
  void readExport_slowReader_holdsNoCallThread() throws Exception {
    try (TestServer server = TestServer.builder().env(Map.of("ROSTER_CALL_THREADS", "1"))
        .inProcess().start()) {
      Organization org = org(server);
      Operation done = finishedExport(server, org, 20000);
      long bytes = done.getResponse().unpack(ExportUsersResponse.class).getByteCount();

      java.util.concurrent.CompletableFuture<Void> first = new java.util.concurrent.CompletableFuture<>();
      java.util.concurrent.CompletableFuture<Long> end = new java.util.concurrent.CompletableFuture<>();
      java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.atomic.AtomicReference<io.grpc.stub.ClientCallStreamObserver<ReadExportRequest>>
          call = new java.util.concurrent.atomic.AtomicReference<>();
      AccountsServiceGrpc.newStub(server.channel())
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
          .withDeadlineAfter(60, TimeUnit.SECONDS)
          .readExport(read(done.getName()), new io.grpc.stub.ClientResponseObserver<
              ReadExportRequest, ReadExportResponse>() {
            @Override
            public void beforeStart(io.grpc.stub.ClientCallStreamObserver<ReadExportRequest> stream) {
              call.set(stream);
              stream.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(ReadExportResponse chunk) {
              received.addAndGet(chunk.getData().size());
              first.complete(null);
            }

            @Override
            public void onError(Throwable t) {
              first.completeExceptionally(t);
              end.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              end.complete(received.get());
            }
          });
      first.get(30, TimeUnit.SECONDS);
      assertThat(received.get()).isLessThan(bytes);

      // The only call thread is free: another call is answered while the stream waits.
      assertThat(server.accounts().getOrganization(
          dev.roster.proto.accounts.v1.GetOrganizationRequest.newBuilder().setName(org.getName())
              .build()).getName()).isEqualTo(org.getName());
      assertThat(end).isNotDone();

      call.get().request(Integer.MAX_VALUE);
      assertThat(end.get(30, TimeUnit.SECONDS)).isEqualTo(bytes);
    }
  }

  @Test
  void readExport_finished_streamsTheGzipFileInChunksOfAtMost64KiB() throws Exception {
    try (TestServer server = TestServer.start(Map.of())) {
      Organization org = org(server);
      Operation done = finishedExport(server, org, 20000);
      Operation started = done;
      ExportUsersResponse result = done.getResponse().unpack(ExportUsersResponse.class);
      assertThat(result.getUri()).isEqualTo(started.getName()).doesNotContain("file:");
      assertThat(done.getMetadata().unpack(ExportUsersMetadata.class).hasExpireTime()).isTrue();

      Iterator<ReadExportResponse> chunks = server.accounts(readKey(server, org))
          .withDeadlineAfter(60, TimeUnit.SECONDS).readExport(read(started.getName()));
      ByteArrayOutputStream file = new ByteArrayOutputStream();
      int count = 0;
      while (chunks.hasNext()) {
        byte[] data = chunks.next().getData().toByteArray();
        assertThat(data.length).isBetween(1, ExportChunks.CHUNK_BYTES);
        file.writeBytes(data);
        count++;
      }
      assertThat(count).isGreaterThan(1);
      assertThat((long) file.size()).isEqualTo(result.getByteCount());
      try (var in = new GZIPInputStream(new ByteArrayInputStream(file.toByteArray()))) {
        long lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
            .lines().count();
        assertThat(lines).isEqualTo(20000);
      }
    }
  }
}
