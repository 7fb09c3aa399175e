package dev.roster.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.jobs.Job;
import dev.roster.jobs.JobQueue;
import dev.roster.mail.EmlFileMailer;
import dev.roster.platform.query.ListQuery;
import dev.roster.testing.Fixtures;
import dev.roster.testing.MutableClock;
import dev.roster.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports shared fairly between tenants: the per-organization cap, the fairness partition, reading
 * the file through the context, and expiry, on a real PostgreSQL with a clock the test moves. The
 * clock starts in 2020 so that expiring "everything due by now" touches only this test's exports.
 */
class ExportsTest {
  private static final Duration RETENTION = Duration.ofDays(7);

  private final Jdbi jdbi = TestDatabase.database().jdbi();
  private final MutableClock clock = MutableClock.at(Instant.parse("2020-01-01T00:00:00Z"));
  private final JobQueue jobs = new JobQueue(jdbi);
  private final Accounts accounts = new Accounts(jdbi, clock, jobs, new ExportSettings(2, RETENTION));
  @TempDir Path directory;

  private UUID newOrg() {
    return accounts.createOrganization(new NewOrganization(Fixtures.slug("exp"), "Exp"),
        Optional.empty()).id();
  }

  private void addUsers(UUID org, int n) {
    for (int i = 0; i < n; i++) {
      accounts.createUser(org, new NewUser(Fixtures.slug("u"), Fixtures.email("u"), "U"),
          Optional.empty());
    }
  }

  /** Runs the export's job here, as a worker would (the job row itself stays unclaimed). */
  private void runJob(ExportOperation op) throws Exception {
    Job job = jobs.get(op.jobId().orElseThrow()).orElseThrow();
    accounts.jobHandlers(new EmlFileMailer(directory, "roster@example.com"), 1000, directory)
        .get(job.kind()).perform(job);
  }

  private static List<String> lines(InputStream file) throws IOException {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(file),
        StandardCharsets.UTF_8))) {
      return in.lines().toList();
    }
  }

  @Test
  void exportUsers_atTheLimit_refusedWithExportLimitReached_untilOneFinishes() {
    UUID org = newOrg();
    ExportOperation first = accounts.exportUsers(org, "");
    accounts.exportUsers(org, "");

    assertThatThrownBy(() -> accounts.exportUsers(org, ""))
        .isInstanceOfSatisfying(ExportLimitReachedException.class, e -> {
          assertThat(e.reason()).isEqualTo("EXPORT_LIMIT_REACHED");
          assertThat(e.metadata()).containsEntry("limit", "2")
              .containsEntry("organizationId", org.toString());
          assertThat(e.retryDelay()).isPositive();
        });
    // Another organization is not affected by this one's exports.
    assertThat(accounts.exportUsers(newOrg(), "").done()).isFalse();

    jobs.cancel(first.jobId().orElseThrow());
    assertThat(accounts.exportUsers(org, "").done()).isFalse();
  }

  @Test
  void exportUsers_racingStarts_neverPassTheLimit() throws Exception {
    UUID org = newOrg();
    int callers = 8;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        Callable<Boolean> start = () -> {
          go.await();
          try {
            accounts.exportUsers(org, "");
            return true;
          } catch (ExportLimitReachedException e) {
            return false;
          }
        };
        results.add(pool.submit(start));
      }
      go.countDown();
      int started = 0;
      for (Future<Boolean> result : results) {
        started += result.get() ? 1 : 0;
      }
      assertThat(started).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
    assertThat(accounts.listOperations(org, new ListQuery(50, "", "", false, Optional.empty(),
        Set.of())).items()).hasSize(2);
  }

  @Test
  void exportUsers_jobIsInTheOrganizationsFairnessPartition() {
    UUID org = newOrg();
    ExportOperation op = accounts.exportUsers(org, "");
    String partition = jdbi.withHandle(h -> h.createQuery(
            "select partition_key from jobs where id = :id")
        .bind("id", op.jobId().orElseThrow()).mapTo(String.class).one());
    assertThat(partition).isEqualTo(org.toString());
  }

  @Test
  void readExport_notDone_failedPrecondition_thenTheFile_andCancelledHasNone() throws Exception {
    UUID org = newOrg();
    addUsers(org, 3);
    ExportOperation op = accounts.exportUsers(org, "");
    assertThatThrownBy(() -> accounts.readExport(org, op.id()))
        .isInstanceOfSatisfying(ExportNotReadyException.class,
            e -> assertThat(e.reason()).isEqualTo("EXPORT_NOT_DONE"));

    runJob(op);
    try (InputStream file = accounts.readExport(org, op.id())) {
      assertThat(lines(file)).hasSize(3).allSatisfy(line -> assertThat(line)
          .startsWith("{\"name\":\"organizations/" + org + "/users/"));
    }
    // The same id under another organization is not there.
    UUID other = newOrg();
    assertThatThrownBy(() -> accounts.readExport(other, op.id()))
        .isInstanceOf(OperationNotFoundException.class);

    ExportOperation cancelled = accounts.exportUsers(org, "");
    accounts.cancelOperation(org, cancelled.id());
    runJob(cancelled);
    assertThatThrownBy(() -> accounts.readExport(org, cancelled.id()))
        .isInstanceOfSatisfying(ExportNotReadyException.class,
            e -> assertThat(e.reason()).isEqualTo("EXPORT_FAILED"));
  }

  @Test
  void finishedExport_afterRetention_readsAsNotFound_andExpiryDeletesFileAndRow() throws Exception {
    UUID org = newOrg();
    addUsers(org, 2);
    ExportOperation op = accounts.exportUsers(org, "");
    assertThat(op.expireTime()).as("not done, so no expiry yet").isEmpty();
    runJob(op);
    Instant finished = clock.instant();
    ExportOperation done = accounts.getOperation(org, op.id());
    assertThat(done.expireTime()).contains(finished.plus(RETENTION));
    Path file = directory.resolve(op.id() + ".ndjson.gz");
    assertThat(file).exists();

    clock.advance(RETENTION.minusSeconds(1));
    accounts.expireExports(clock.instant());
    assertThat(rowExists(op.id())).isTrue();
    assertThat(accounts.getOperation(org, op.id()).done()).isTrue();
    assertThat(file).exists();

    clock.advance(Duration.ofSeconds(1));
    // Expired: gone for callers at once, whether or not the expiry job has run yet.
    assertThatThrownBy(() -> accounts.getOperation(org, op.id()))
        .isInstanceOf(OperationNotFoundException.class);
    assertThatThrownBy(() -> accounts.readExport(org, op.id()))
        .isInstanceOf(OperationNotFoundException.class);
    assertThat(accounts.listOperations(org, new ListQuery(50, "", "", false, Optional.empty(),
        Set.of())).items()).isEmpty();
    assertThat(rowExists(op.id())).isTrue();

    // At least this one: other tests of this class leave 2020 exports behind too.
    assertThat(accounts.expireExports(clock.instant())).isPositive();
    assertThat(file).doesNotExist();
    assertThat(rowExists(op.id())).isFalse();
    assertThat(Files.list(directory).filter(f -> f.toString().endsWith(".ndjson.gz"))).isEmpty();
  }

  @Test
  void expiryJob_deletesWithTheContextsClock() throws Exception {
    UUID org = newOrg();
    ExportOperation op = accounts.exportUsers(org, "");
    runJob(op);
    clock.advance(RETENTION.plusSeconds(1));
    Job job = jobs.get(jobs.enqueue(accounts.recurringJobs().get(0).request()).id()).orElseThrow();
    jobs.cancel(job.id()); // run here, not by another test's workers
    accounts.jobHandlers(new EmlFileMailer(directory, "roster@example.com"), 1000, directory)
        .get(job.kind()).perform(job);
    assertThat(rowExists(op.id())).isFalse();
    assertThat(directory.resolve(op.id() + ".ndjson.gz")).doesNotExist();
  }

  @Test
  void stalePartialFiles_sweptOnceOlderThanAnAttemptMayRun_byTheCallAndByTheExpiryJob()
      throws Exception {
    Instant now = clock.instant();
    Path stale = Files.createFile(directory.resolve(UUID.randomUUID() + ".123.partial"));
    Files.setLastModifiedTime(stale, FileTime.from(now.minus(Duration.ofMinutes(71))));
    // Another worker's attempt (sharing the directory) within the one-hour timeout: kept.
    Path live = Files.createFile(directory.resolve(UUID.randomUUID() + ".456.partial"));
    Files.setLastModifiedTime(live, FileTime.from(now.minus(Duration.ofMinutes(59))));
    Path finished = Files.createFile(directory.resolve(UUID.randomUUID() + ".ndjson.gz"));
    Files.setLastModifiedTime(finished, FileTime.from(now.minus(Duration.ofDays(1))));

    assertThat(accounts.sweepPartialExports(directory)).isEqualTo(1);
    assertThat(stale).doesNotExist();
    assertThat(live).exists();
    assertThat(finished).as("not a temporary file").exists();

    clock.advance(Duration.ofMinutes(12));
    Job job = jobs.get(jobs.enqueue(accounts.recurringJobs().get(0).request()).id()).orElseThrow();
    jobs.cancel(job.id()); // run here, not by another test's workers
    accounts.jobHandlers(new EmlFileMailer(directory, "roster@example.com"), 1000, directory)
        .get(job.kind()).perform(job);
    assertThat(live).as("70 min untouched now: its attempt has timed out").doesNotExist();
    assertThat(finished).exists();
  }

  private boolean rowExists(UUID id) {
    return jdbi.withHandle(h -> h.createQuery("select count(*) from operations where id = :id")
        .bind("id", id).mapTo(Integer.class).one()) == 1;
  }
}
