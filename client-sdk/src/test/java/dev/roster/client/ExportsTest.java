package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.longrunning.ListOperationsRequest;
import com.google.longrunning.Operation;
import com.google.longrunning.WaitOperationRequest;
import com.google.protobuf.ByteString;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.ExportUsersMetadata;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Users exports through the SDK against real Roster processes sharing one PostgreSQL and one data
 * directory: an API server (role api), which the client talks to, and a job worker (role worker)
 * that writes the files. Stopping the worker keeps exports pending, so cancelling one that has not
 * started is deterministic.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ExportsTest {
  private static final Pattern NAME = Pattern.compile("\"name\":\"([^\"]+)\"");
  private static Path dataDir;
  private static RosterTestServer api;
  private static RosterTestServer worker;
  private static RosterClient admin;

  @BeforeAll
  static void start() throws IOException {
    dataDir = Files.createTempDirectory("roster-sdk-exports");
    api = RosterTestServer.start(Map.of("ROSTER_ROLE", "api", "ROSTER_DATA_DIR", dataDir.toString()));
    worker = RosterTestServer.start(
        Map.of("ROSTER_ROLE", "worker", "ROSTER_DATA_DIR", dataDir.toString()));
    admin = RosterClient.newBuilder().target(api.target()).apiKey(RosterTestServer.ADMIN_KEY).build();
  }

  @AfterAll
  static void stop() throws IOException {
    admin.close();
    worker.close();
    api.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    }
  }

  private static Organization organization(int users, List<String> names) {
    Organization org = admin.organizations().create(
        Organization.newBuilder().setSlug(RosterClientTest.slug("export")).build());
    for (int i = 0; i < users; i++) {
      String handle = RosterClientTest.slug("x");
      names.add(admin.users().create(org.getName(), User.newBuilder().setHandle(handle)
          .setEmail(handle + "@example.com").build()).getName());
    }
    return org;
  }

  private static RosterClient clientWithKey(Organization org, ApiKey.Scope... scopes) {
    String secret = admin.apiKeys().create(org.getName(),
        ApiKey.newBuilder().addAllScopes(List.of(scopes)).build()).getSecret();
    return RosterClient.newBuilder().target(api.target()).apiKey(secret).build();
  }

  private static Set<String> exportedNames(RosterClient client, String operation) {
    // A view with its own deadline (for a large file) shares the client's poller and channel.
    try (Stream<String> lines = client.users().withDeadline(Duration.ofMinutes(1))
        .readExportLines(operation)) {
      return lines.map(line -> {
        Matcher m = NAME.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return m.group(1);
      }).collect(Collectors.toCollection(HashSet::new));
    }
  }

  /** The docs/SDK.md sample "Long-running operations: exports" (for SdkSamples). */
  @Test
  void docsSample_runs() throws Exception {
    Organization org = organization(4, new ArrayList<>());
    assertThat(SdkSamples.export(admin, org.getName())).isEqualTo(4);
  }

  @Test
  void export_completes_responseMetadataAndEveryUserReadable() throws Exception {
    List<String> users = new ArrayList<>();
    Organization org = organization(25, users);

    long started = System.nanoTime();
    OperationFuture<ExportUsersResponse, ExportUsersMetadata> export = admin.users().export(org.getName());
    assertThat(OperationName.parse(export.getName()).organization().toString()).isEqualTo(org.getName());
    assertThat(export.getInitialFuture().get().getDone()).isFalse();
    assertThat(export.peekMetadata()).get().extracting(ExportUsersMetadata::hasCreateTime).isEqualTo(true);

    ExportUsersResponse done = export.get(60, TimeUnit.SECONDS);
    System.out.printf("export of %d users done after %d ms%n", users.size(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    assertThat(export.isDone()).isTrue();
    assertThat(export.isCancelled()).isFalse();
    assertThat(done.getUserCount()).isEqualTo(users.size());
    assertThat(done.getUri()).isEqualTo(export.getName());
    assertThat(done.getByteCount()).isPositive();
    ExportUsersMetadata metadata = export.peekMetadata().orElseThrow();
    assertThat(metadata.getExportedCount()).isEqualTo(users.size());
    assertThat(metadata.hasExpireTime()).isTrue();
    assertThat(export.getMetadata().getExportedCount()).isEqualTo(users.size());

    // The contents: every exported user once, as lines, as bytes, as chunks.
    assertThat(exportedNames(admin, done.getUri())).containsExactlyInAnyOrderElementsOf(users);
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    assertThat(admin.users().readExportTo(done.getUri(), file)).isEqualTo(done.getByteCount());
    assertThat(file.size()).isEqualTo(done.getByteCount());
    ByteString chunks;
    try (Stream<ByteString> stream = admin.users().readExport(done.getUri())) {
      chunks = stream.reduce(ByteString.EMPTY, ByteString::concat);
    }
    assertThat(chunks.toByteArray()).isEqualTo(file.toByteArray());
  }

  @Test
  void operations_listGetWaitAndReattach() throws Exception {
    Organization org = organization(3, new ArrayList<>());
    OperationFuture<ExportUsersResponse, ExportUsersMetadata> first = admin.users().export(org.getName());
    OperationFuture<ExportUsersResponse, ExportUsersMetadata> second = admin.users()
        .withRetrySettings(RetrySettings.defaults()).exportAsync(
        ExportUsersRequest.newBuilder().setParent(org.getName()).setFilter("handle = \"nobody\"").build());
    ExportUsersResponse all = first.get(60, TimeUnit.SECONDS);
    assertThat(second.get(60, TimeUnit.SECONDS).getUserCount()).isZero();

    List<String> listed = admin.operations().list(ListOperationsRequest.newBuilder()
        .setName(org.getName()).setPageSize(1).build()).stream().map(Operation::getName).toList();
    assertThat(listed).containsExactly(first.getName(), second.getName());

    Operation got = admin.operations().get(first.getName());
    assertThat(got.getDone()).isTrue();
    assertThat(got.getResponse().unpack(ExportUsersResponse.class)).isEqualTo(all);
    assertThat(admin.operations().wait(first.getName(), Duration.ofSeconds(1)).getDone()).isTrue();
    assertThat(admin.operations().waitAsync(WaitOperationRequest.newBuilder()
        .setName(second.getName()).build()).get(10, TimeUnit.SECONDS).getDone()).isTrue();
    assertThat(admin.operations().listAsync(ListOperationsRequest.newBuilder()
        .setName(org.getName()).build()).get(10, TimeUnit.SECONDS).page()).extracting(Operation::getName)
        .containsExactly(first.getName(), second.getName());

    OperationFuture<ExportUsersResponse, ExportUsersMetadata> again = admin.operations()
        .future(first.getName(), ExportUsersResponse.class, ExportUsersMetadata.class);
    assertThat(again.isDone()).isTrue();
    assertThat(again.get()).isEqualTo(all);
    // Already done: cancel changes nothing, here or on the server (which answers OK).
    assertThat(again.cancel(true)).isFalse();
    admin.operations().cancel(first.getName());
    assertThat(admin.operations().get(first.getName())).isEqualTo(got);
  }

  @Test
  void cancel_exportNotYetStarted_futureCancelled_serverEndsItCancelled() throws Exception {
    Organization org = organization(2, new ArrayList<>());
    worker.stop();
    OperationFuture<ExportUsersResponse, ExportUsersMetadata> export;
    try {
      export = admin.users().export(org.getName());
      Operation pending = export.poll();
      assertThat(pending.getDone()).isFalse();
      long waitStart = System.nanoTime();
      assertThat(admin.operations().wait(export.getName(), Duration.ofMillis(300)).getDone())
          .as("WaitOperation ends at its timeout with the export still pending").isFalse();
      assertThat(System.nanoTime() - waitStart).isGreaterThanOrEqualTo(
          TimeUnit.MILLISECONDS.toNanos(250));
      assertThat(export.isDone()).isFalse();

      // A key that may read but not write can follow the export, not cancel it.
      try (RosterClient reader = clientWithKey(org, ApiKey.Scope.ACCOUNTS_READ)) {
        OperationFuture<ExportUsersResponse, ExportUsersMetadata> followed = reader.operations()
            .future(export.getName(), ExportUsersResponse.class, ExportUsersMetadata.class);
        PermissionDeniedException denied =
            catchThrowableOfType(PermissionDeniedException.class, () -> followed.cancel(true));
        assertThat(denied.reason()).isEqualTo("SCOPE_REQUIRED");
        assertThat(followed.isCancelled()).isFalse();
      }

      assertThat(export.cancel(true)).isTrue();
      assertThat(export.isCancelled()).isTrue();
      assertThat(export.isDone()).isTrue();
      assertThatThrownBy(export::get).isInstanceOf(CancellationException.class);
      Operation requested = admin.operations().get(export.getName());
      assertThat(requested.getDone()).as("nothing ran it yet").isFalse();
      assertThat(requested.getMetadata().unpack(ExportUsersMetadata.class).getCancelRequested()).isTrue();
      FailedPreconditionException notDone = catchThrowableOfType(FailedPreconditionException.class,
          () -> admin.users().readExport(export.getName()).findFirst());
      assertThat(notDone.reason()).isEqualTo("EXPORT_NOT_DONE");
    } finally {
      worker.start();
    }
    // The worker picks it up and ends it CANCELLED; a future following it by name says so.
    OperationFuture<ExportUsersResponse, ExportUsersMetadata> followed = admin.operations()
        .future(export.getName(), ExportUsersResponse.class, ExportUsersMetadata.class);
    CancellationException cancelled = catchThrowableOfType(CancellationException.class,
        () -> followed.get(60, TimeUnit.SECONDS));
    assertThat(cancelled.getCause()).isInstanceOf(RosterException.class);
    assertThat(((RosterException) cancelled.getCause()).code()).isEqualTo(io.grpc.Status.Code.CANCELLED);
    assertThat(followed.isCancelled()).isTrue();
    Operation ended = admin.operations().get(export.getName());
    assertThat(ended.getDone()).isTrue();
    assertThat(ended.getError().getCode()).isEqualTo(io.grpc.Status.Code.CANCELLED.value());
    FailedPreconditionException noFile = catchThrowableOfType(FailedPreconditionException.class,
        () -> admin.users().readExportLines(export.getName()).count());
    assertThat(noFile.reason()).isEqualTo("EXPORT_FAILED");
  }

  @Test
  void cancel_runningExport_stopsAtItsNextPage() throws Exception {
    Organization org = organization(0, new ArrayList<>());
    int users = 200_000;
    // Rows written straight to PostgreSQL: the API would take minutes for this many.
    try (Connection c = RosterTestServer.database().getConnection();
        PreparedStatement insert = c.prepareStatement("""
            insert into users (organization_id, id, handle, email, status, create_time, update_time)
            select ?, gen_random_uuid(), 'r-' || i, md5(i::text) || '@example.com', 'ACTIVE',
                   now() + i * interval '1 microsecond', now()
              from generate_series(1, ?) i""")) {
      insert.setObject(1, OrganizationName.parse(org.getName()).id());
      insert.setInt(2, users);
      assertThat(insert.executeUpdate()).isEqualTo(users);
    }
    OperationFuture<ExportUsersResponse, ExportUsersMetadata> export = admin.users().export(
        ExportUsersRequest.newBuilder().setParent(org.getName()).build(),
        new PollingSettings(Duration.ofMillis(50), 1.0, Duration.ofMillis(50), Duration.ofMinutes(2)));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (export.getMetadata().getExportedCount() == 0 && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertThat(export.peekMetadata().orElseThrow().getExportedCount()).as("running").isPositive();

    assertThat(export.cancel(true)).as("still running when cancelled").isTrue();
    assertThat(export.isCancelled()).isTrue();
    OperationFuture<ExportUsersResponse, ExportUsersMetadata> followed = admin.operations()
        .future(export.getName(), ExportUsersResponse.class, ExportUsersMetadata.class);
    assertThat(catchThrowableOfType(CancellationException.class,
        () -> followed.get(60, TimeUnit.SECONDS))).isNotNull();
    Operation ended = admin.operations().get(export.getName());
    long written = ended.getMetadata().unpack(ExportUsersMetadata.class).getExportedCount();
    System.out.printf("running export cancelled after %d of %d users%n", written, users);
    assertThat(ended.getError().getCode()).isEqualTo(io.grpc.Status.Code.CANCELLED.value());
    assertThat(written).isBetween(1000L, users - 1000L);
  }

  @Test
  void exportLimit_syncThrows_asyncFailsTheFuture() throws Exception {
    Organization org = organization(1, new ArrayList<>());
    worker.stop();
    List<OperationFuture<ExportUsersResponse, ExportUsersMetadata>> pending = new ArrayList<>();
    try {
      pending.add(admin.users().export(org.getName()));
      pending.add(admin.users().export(org.getName()));
      RateLimitedException limit = catchThrowableOfType(RateLimitedException.class,
          () -> admin.users().export(org.getName()));
      assertThat(limit.reason()).isEqualTo("EXPORT_LIMIT_REACHED");
      assertThat(limit.retryDelay()).isPositive();
      OperationFuture<ExportUsersResponse, ExportUsersMetadata> async = admin.users().exportAsync(
          ExportUsersRequest.newBuilder().setParent(org.getName()).build());
      ExecutionException failed = catchThrowableOfType(ExecutionException.class,
          () -> async.get(10, TimeUnit.SECONDS));
      assertThat(failed.getCause()).isInstanceOf(RateLimitedException.class);
      assertThatThrownBy(async::getName).isInstanceOf(RateLimitedException.class);
    } finally {
      for (var export : pending) {
        export.cancel(true);
      }
      worker.start();
    }
  }

  @Test
  void otherTenantsOperation_refused_andMalformedName_invalidArgument() throws Exception {
    Organization mine = organization(1, new ArrayList<>());
    Organization theirs = organization(1, new ArrayList<>());
    OperationFuture<ExportUsersResponse, ExportUsersMetadata> export = admin.users().export(mine.getName());
    export.get(60, TimeUnit.SECONDS);
    OperationName name = OperationName.parse(export.getName());

    // Their key, my operation: refused before anything is read, whether it exists or not.
    try (RosterClient other = clientWithKey(theirs, ApiKey.Scope.ACCOUNTS_READ, ApiKey.Scope.ACCOUNTS_WRITE)) {
      PermissionDeniedException denied = catchThrowableOfType(PermissionDeniedException.class,
          () -> other.operations().get(export.getName()));
      assertThat(denied.reason()).isEqualTo("TENANT_FORBIDDEN");
      assertThatThrownBy(() -> other.operations().cancel(export.getName()))
          .isInstanceOf(PermissionDeniedException.class);
      assertThatThrownBy(() -> other.users().readExportLines(export.getName()).count())
          .isInstanceOf(PermissionDeniedException.class);
      // My operation's id under their organization: no such operation there.
      String misplaced = OperationName.format(OrganizationName.parse(theirs.getName()).id(),
          name.operationId());
      NotFoundException notFound = catchThrowableOfType(NotFoundException.class,
          () -> other.operations().get(misplaced));
      assertThat(notFound.reason()).isEqualTo("OPERATION_NOT_FOUND");
      assertThatThrownBy(() -> other.operations().future(misplaced, ExportUsersResponse.class,
          ExportUsersMetadata.class)).isInstanceOf(NotFoundException.class);
    }

    InvalidArgumentException malformed = catchThrowableOfType(InvalidArgumentException.class,
        () -> admin.operations().get(mine.getName() + "/operations/not-a-uuid"));
    assertThat(malformed.fieldViolations()).extracting(InvalidArgumentException.FieldViolation::field,
        InvalidArgumentException.FieldViolation::reason).containsExactly(
            org.assertj.core.groups.Tuple.tuple("name", "INVALID_RESOURCE_NAME"));
    assertThatThrownBy(() -> admin.operations().wait("/etc/passwd", Duration.ofSeconds(1)))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> admin.users().readExport("../" + export.getName()).count())
        .isInstanceOf(InvalidArgumentException.class);
    InvalidArgumentException filtered = catchThrowableOfType(InvalidArgumentException.class,
        () -> admin.operations().list(ListOperationsRequest.newBuilder().setName(mine.getName())
            .setFilter("done = true").build()));
    assertThat(filtered.fieldViolations()).extracting(InvalidArgumentException.FieldViolation::reason)
        .containsExactly("UNSUPPORTED_FILTER");
  }
}
