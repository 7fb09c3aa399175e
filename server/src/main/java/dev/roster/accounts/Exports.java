package dev.roster.accounts;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.jobs.Job;
import dev.roster.jobs.JobHandler;
import dev.roster.jobs.JobQueue;
import dev.roster.jobs.JobRequest;
import dev.roster.jobs.JobState;
import dev.roster.platform.Ids;
import dev.roster.platform.files.StaleFiles;
import dev.roster.platform.query.Filters;
import dev.roster.platform.query.ListPlan;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Page;
import dev.roster.platform.query.Position;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users exports as long-running operations. Starting one writes the operation row and enqueues the
 * job in one transaction; the job streams the matching users page by page (keyset, 1000 rows at a
 * time, never the whole table in memory) into a gzip-compressed NDJSON file, records progress after
 * every page, and stops at the next page once cancellation is requested.
 *
 * <p>Tenants share the exports queue fairly: an organization may have at most
 * {@link ExportSettings#maxActivePerOrganization()} exports pending or running, and each export's
 * job is in the organization's fairness partition, so one organization's backlog does not delay
 * another's export. A finished export is kept for {@link ExportSettings#retention()}, then reads
 * as not found and {@link #expire} deletes its file and its row.
 */
final class Exports {
  static final String KIND = "export_users";
  static final String QUEUE = "exports";
  static final String EXPIRE_KIND = "expire_exports";
  private static final int EXPIRE_BATCH = 500;
  private static final Logger log = LoggerFactory.getLogger(Exports.class);
  private static final int PAGE = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** An attempt that runs longer is interrupted (and deletes its own partial file). */
  static final Duration TIMEOUT = Duration.ofHours(1);
  static final String PARTIAL_GLOB = "*.partial";
  /**
   * A partial file untouched for this long cannot belong to a live attempt, whichever process
   * (sharing the directory) runs it: it is older than the attempt timeout, plus a margin.
   */
  static final Duration PARTIAL_STALE_AFTER = TIMEOUT.plusMinutes(10);

  private final Jdbi jdbi;
  private final Clock clock;
  private final JobQueue jobs;
  private final ExportSettings settings;

  Exports(Jdbi jdbi, Clock clock, JobQueue jobs, ExportSettings settings) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.jobs = jobs;
    this.settings = settings;
  }

  ExportOperation start(UUID organizationId, String filter) {
    Filters.compile(filter, UserStore.LIST.filters(), "f");
    UUID id = Ids.newId();
    String partition = organizationId.toString();
    return jdbi.inTransaction(h -> {
      Organizations.requireLive(h, organizationId);
      // Count and insert under a per-organization lock: two racing starts cannot both see room.
      jobs.lockPartition(h, QUEUE, partition);
      if (jobs.countUnfinished(h, QUEUE, partition) >= settings.maxActivePerOrganization()) {
        throw new ExportLimitReachedException(organizationId, settings.maxActivePerOrganization());
      }
      UUID jobId = jobs.enqueue(h, JobRequest.of(KIND, JSON.createObjectNode()
              .put("organizationId", organizationId.toString())
              .put("operationId", id.toString()).toString())
          .withQueue(QUEUE).withPartition(partition).withMaxAttempts(5)
          .withTimeout(TIMEOUT)).id();
      Instant now = now();
      OperationStore.insert(h, organizationId, id, KIND, filter, jobId, now);
      return OperationStore.find(h, organizationId, id, now).orElseThrow();
    });
  }

  ExportOperation get(UUID organizationId, UUID id) {
    Instant now = now();
    return settle(jdbi.withHandle(h -> OperationStore.find(h, organizationId, id, now))
        .orElseThrow(() -> new OperationNotFoundException(organizationId, id)));
  }

  Page<ExportOperation> list(UUID organizationId, ListQuery query) {
    ListPlan plan = OperationStore.LIST.plan(query);
    Instant now = now();
    Page<ExportOperation> page = jdbi.withHandle(h -> OperationStore.list(h, organizationId, plan, now));
    return new Page<>(page.items().stream().map(this::settle).toList(), page.next());
  }

  /**
   * An operation whose job the queue gave up on (discarded after its last attempt, or cancelled)
   * is finished with an error, even though no handler got to say so.
   */
  private ExportOperation settle(ExportOperation op) {
    if (op.done() || op.jobId().isEmpty()) {
      return op;
    }
    Optional<JobState> state = jobs.get(op.jobId().get()).map(dev.roster.jobs.Job::state);
    if (state.isPresent() && (state.get() == JobState.DISCARDED || state.get() == JobState.CANCELLED)) {
      String message = "the export failed after its last attempt";
      Instant now = now();
      jdbi.useHandle(h -> OperationStore.fail(h, op.id(), "INTERNAL", message, now, expiry(now)));
      return jdbi.withHandle(h -> OperationStore.find(h, op.organizationId(), op.id(), now))
          .orElseThrow();
    }
    return op;
  }

  ExportOperation cancel(UUID organizationId, UUID id) {
    Instant now = now();
    return jdbi.inTransaction(h -> {
      OperationStore.find(h, organizationId, id, now)
          .orElseThrow(() -> new OperationNotFoundException(organizationId, id));
      OperationStore.requestCancel(h, id, now);
      return OperationStore.find(h, organizationId, id, now).orElseThrow();
    });
  }

  /**
   * Opens the finished export's file (gzip-compressed NDJSON) for reading; the caller closes it.
   * The file is opened before returning, so a file deleted afterwards (by expiry) can still be
   * read to the end.
   */
  InputStream read(UUID organizationId, UUID id) {
    ExportOperation op = get(organizationId, id);
    if (!op.done()) {
      throw ExportNotReadyException.notDone(organizationId, id);
    }
    if (op.error().isPresent()) {
      throw ExportNotReadyException.failed(organizationId, id, op.error().get().code());
    }
    Instant now = now();
    String uri = jdbi.withHandle(h -> OperationStore.resultUri(h, organizationId, id, now))
        .orElseThrow(() -> new OperationNotFoundException(organizationId, id));
    try {
      return Files.newInputStream(Path.of(URI.create(uri)));
    } catch (NoSuchFileException e) {
      throw new ExportFileMissingException(organizationId, id);
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the file of export " + id, e);
    }
  }

  /**
   * Deletes the operations that expired by {@code now}, and their files, in batches; returns how
   * many operations were deleted. Each file goes before its row, inside the row's lock: a crash
   * in between leaves an expired row (already read as not found) for the next run, never a file
   * that nothing points to.
   */
  int expire(Instant now) {
    int total = 0;
    int deleted;
    do {
      deleted = jdbi.inTransaction(h -> {
        List<OperationStore.Expired> expired = OperationStore.lockExpired(h, now, EXPIRE_BATCH);
        for (OperationStore.Expired op : expired) {
          if (op.resultUri().isPresent()) {
            try {
              Files.deleteIfExists(Path.of(URI.create(op.resultUri().get())));
            } catch (IOException e) {
              // The rows stay (rolled back) and are tried again on the next run.
              throw new UncheckedIOException("could not delete an expired export's file", e);
            }
          }
        }
        return expired.isEmpty() ? 0
            : OperationStore.delete(h, expired.stream().map(OperationStore.Expired::id).toList());
      });
      total += deleted;
    } while (deleted == EXPIRE_BATCH);
    return total;
  }

  /**
   * The worker side of {@link #expire}: a recurring job that expires with Roster's clock, and
   * sweeps the stale partial files of {@code directory} ({@link #sweepPartials}).
   */
  JobHandler expireHandler(Path directory) {
    return job -> {
      int deleted = expire(now());
      if (deleted > 0) {
        log.info("deleted {} expired exports and their files", deleted);
      }
      sweepPartials(directory);
    };
  }

  /**
   * Deletes the partial files left in {@code directory} by attempts whose process died mid-export
   * (an attempt that fails deletes its own), once untouched for {@link #PARTIAL_STALE_AFTER}.
   */
  int sweepPartials(Path directory) {
    return StaleFiles.sweep(directory, PARTIAL_GLOB, PARTIAL_STALE_AFTER, clock);
  }

  /** The worker side: writes the file under {@code directory}. Safe to run again (at least once). */
  JobHandler handler(Path directory) {
    return job -> run(job, directory);
  }

  private void run(Job job, Path directory) throws IOException {
    JsonNode args = JSON.readTree(job.args());
    UUID organizationId = UUID.fromString(args.get("organizationId").asText());
    UUID id = UUID.fromString(args.get("operationId").asText());
    export(organizationId, id, directory);
  }

  private void export(UUID organizationId, UUID id, Path directory) throws IOException {
    ExportOperation op = get(organizationId, id);
    if (op.done()) {
      return;
    }
    if (op.cancelRequested()) {
      cancelled(id);
      return;
    }
    Files.createDirectories(directory);
    Path target = directory.resolve(id + ".ndjson.gz");
    // Each attempt writes its own file: a stale attempt still finishing a page (after a hand-back
    // or a timeout) never shares a file with the new one.
    Path partial = Files.createTempFile(directory, id + ".", ".partial");
    long count;
    try {
      count = writeUsers(partial, organizationId, id, op.filter());
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(partial);
      throw e;
    }
    if (count < 0) {
      Files.deleteIfExists(partial);
      cancelled(id);
      return;
    }
    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    long bytes = Files.size(target);
    long exported = count;
    Instant now = now();
    jdbi.useHandle(h -> OperationStore.succeed(h, id, exported, target.toUri().toString(), bytes,
        now, expiry(now)));
    log.info("export {} of organization {}: {} users, {} bytes", id, organizationId, count, bytes);
  }

  /**
   * Streams the matching users into {@code file}, a page of 1000 at a time, recording progress
   * after each page. Returns how many were written, or -1 if cancellation was requested.
   */
  private long writeUsers(Path file, UUID organizationId, UUID id, String filter)
      throws IOException {
    long count = 0;
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16);
        JsonGenerator json = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      json.setRootValueSeparator(null);
      Optional<Position> after = Optional.empty();
      do {
        if (Thread.currentThread().isInterrupted()) {
          throw new IOException("export interrupted (timeout or shutdown)");
        }
        ListPlan plan = UserStore.LIST.plan(new ListQuery(PAGE, filter, "", false, after, Set.of()));
        Page<User> page = jdbi.withHandle(h -> UserStore.list(h, organizationId, plan));
        for (User user : page.items()) {
          write(json, user);
        }
        json.flush();
        count += page.items().size();
        after = page.next();
        long exported = count;
        if (jdbi.withHandle(h -> OperationStore.progress(h, id, exported, now()))) {
          return -1;
        }
      } while (after.isPresent());
    }
    return count;
  }

  private void cancelled(UUID id) {
    Instant now = now();
    jdbi.useHandle(h -> OperationStore.fail(h, id, "CANCELLED", "the export was cancelled", now,
        expiry(now)));
  }

  private Instant expiry(Instant now) {
    return now.plus(settings.retention());
  }

  /** One user as a JSON line, with the API's field names. */
  private static void write(JsonGenerator json, User user) throws IOException {
    json.writeStartObject();
    json.writeStringField("name",
        "organizations/" + user.organizationId() + "/users/" + user.id());
    json.writeStringField("handle", user.handle());
    json.writeStringField("email", user.email());
    json.writeStringField("display_name", user.displayName());
    json.writeStringField("status", user.status().name());
    json.writeStringField("create_time", user.createTime().toString());
    json.writeStringField("update_time", user.updateTime().toString());
    json.writeEndObject();
    json.writeRaw('\n');
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
