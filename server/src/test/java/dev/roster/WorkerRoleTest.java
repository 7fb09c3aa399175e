package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.longrunning.WaitOperationRequest;
import com.google.protobuf.Duration;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import dev.roster.rpc.ExportDownloads;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split deployment: an API-only server enqueues, a separate worker process (the same jar's
 * main, ROSTER_ROLE=worker) runs the export of 100,000 users inside a 64 MB heap, which only works
 * because the export streams page by page, then stops cleanly on SIGTERM.
 */
class WorkerRoleTest {
  @TempDir Path workerData;

  @Test
  void apiAndWorkerProcesses_exportOf100kUsersRunsInA64MbWorker() throws Exception {
    try (TestServer api = TestServer.start(Map.of("ROSTER_ROLE", "api"))) {
      Organization org = api.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
          .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("split"))).build());
      UUID orgId = UUID.fromString(org.getName().substring("organizations/".length()));
      TestDatabase.database().jdbi().useHandle(h -> h.execute("""
          insert into users (organization_id, id, handle, email, display_name, create_time, update_time)
          select ?, gen_random_uuid(), 'w-' || i, 'w' || i || '@example.com', repeat('n', 100),
                 now() + i * interval '1 microsecond', now()
            from generate_series(1, 100000) i""", orgId));
      Operation started = api.accounts().exportUsers(
          ExportUsersRequest.newBuilder().setParent(org.getName()).build());

      File log = Path.of("target", "worker-role-" + UUID.randomUUID() + ".log").toFile();
      ProcessBuilder builder = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx64m", "-XX:TieredStopAtLevel=1",
          // the service's own logging (INFO), not the tests' quiet one
          "-Dlogback.configurationFile=logback.xml",
          "-cp", System.getProperty("java.class.path"), Cli.class.getName())
          .redirectErrorStream(true).redirectOutput(log);
      builder.environment().putAll(Map.of(
          "ROSTER_ROLE", "worker",
          "ROSTER_GRPC_PORT", "0",
          "ROSTER_ADMIN_PORT", "0",
          "ROSTER_DATABASE_URL", TestDatabase.jdbcUrl(),
          "ROSTER_DATABASE_USER", "postgres",
          "ROSTER_DATA_DIR", workerData.toString(),
          "ROSTER_QUEUES", "exports=1",
          "ROSTER_SHUTDOWN_GRACE", "5s"));
      Process worker = builder.start();
      try {
        var operations = OperationsGrpc.newBlockingStub(api.channel())
            .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
            .withDeadlineAfter(150, TimeUnit.SECONDS);
        Operation done = started;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!done.getDone() && System.nanoTime() < until && worker.isAlive()) {
          done = operations.waitOperation(WaitOperationRequest.newBuilder().setName(started.getName())
              .setTimeout(Duration.newBuilder().setSeconds(10)).build());
        }
        assertThat(worker.isAlive()).as("worker still running (log: %s)", log).isTrue();
        assertThat(done.getDone()).as("export done (log: %s)", log).isTrue();
        ExportUsersResponse result = done.getResponse().unpack(ExportUsersResponse.class);
        assertThat(result.getUserCount()).isEqualTo(100_000);
        // The worker wrote the file under its own data directory; the API process streams it from
        // there (the two share this machine's disk).
        assertThat(result.getUri()).isEqualTo(started.getName());
        try (var files = Files.list(workerData.resolve("exports"))) {
          assertThat(files.map(f -> f.getFileName().toString()))
              .contains(started.getName().substring(started.getName().lastIndexOf('/') + 1)
                  + ".ndjson.gz");
        }
        assertThat((long) ExportDownloads.read(api.accounts(), started.getName()).length)
            .isEqualTo(result.getByteCount());
      } finally {
        worker.destroy(); // SIGTERM: the worker drains and stops
        assertThat(worker.waitFor(30, TimeUnit.SECONDS)).as("worker stops after SIGTERM").isTrue();
      }
      assertThat(Files.readString(log.toPath())).contains("shutting down").contains("stopped")
          .doesNotContain("OutOfMemoryError");
    }
  }
}
