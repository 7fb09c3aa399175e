package dev.roster.jobs;

import static dev.roster.jobs.JobsTesting.jdbi;
import static dev.roster.jobs.JobsTesting.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** Enqueueing, uniqueness, cancel, counts and pruning, on a real PostgreSQL. */
class JobQueueTest {
  private final Jdbi jdbi = jdbi();
  private final JobQueue queue = new JobQueue(jdbi);

  private JobRequest request(String q) {
    return JobRequest.of(unique("kind"), "{\"n\": 1}").withQueue(q);
  }

  @Test
  void enqueue_defaults_availableNowWithUuidV7() {
    Job job = queue.enqueue(JobRequest.of("noop", "{\"b\": 2, \"a\": [1, 2]}"));

    assertThat(job.id().version()).isEqualTo(7);
    assertThat(job.queue()).isEqualTo("default");
    assertThat(job.state()).isEqualTo(JobState.AVAILABLE);
    assertThat(job.attempt()).isZero();
    assertThat(job.maxAttempts()).isEqualTo(20);
    assertThat(job.priority()).isZero();
    assertThat(job.args()).isEqualTo("{\"a\": [1, 2], \"b\": 2}");
    assertThat(job.uniqueKey()).isEmpty();
    assertThat(queue.get(job.id())).contains(job);
  }

  @Test
  void enqueue_inTransactionThatRollsBack_leavesNoJob() {
    AtomicReference<UUID> id = new AtomicReference<>();
    assertThatThrownBy(() -> jdbi.useTransaction(h -> {
      id.set(queue.enqueue(h, request(unique("q"))).id());
      throw new IllegalStateException("the business write failed");
    })).isInstanceOf(IllegalStateException.class);

    assertThat(id.get()).isNotNull();
    assertThat(queue.get(id.get())).isEmpty();
  }

  @Test
  void enqueue_inTransaction_isInvisibleUntilCommitThenExists() throws Exception {
    UUID id = jdbi.inTransaction(h -> {
      h.execute("create temporary table business_write (x int) on commit drop");
      h.execute("insert into business_write values (1)");
      UUID enqueued = queue.enqueue(h, request(unique("q"))).id();
      // Another connection (a worker's) cannot see it yet. Another thread: Jdbi hands this
      // thread's nested callbacks the same handle.
      assertThat(Executors.newSingleThreadExecutor().submit(() -> queue.get(enqueued)).get())
          .isEmpty();
      return enqueued;
    });

    assertThat(queue.get(id)).hasValueSatisfying(j -> assertThat(j.state()).isEqualTo(JobState.AVAILABLE));
  }

  @Test
  void enqueue_runAtInFuture_isScheduled() {
    Instant runAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
    Job job = queue.enqueue(request(unique("q")).withScheduledAt(runAt).withPriority(3)
        .withMaxAttempts(2).withTimeout(Duration.ofSeconds(9)));

    assertThat(job.state()).isEqualTo(JobState.SCHEDULED);
    assertThat(job.scheduledAt()).isEqualTo(runAt);
    assertThat(job.priority()).isEqualTo(3);
    assertThat(job.maxAttempts()).isEqualTo(2);
    assertThat(job.timeout()).contains(Duration.ofSeconds(9));
  }

  @Test
  void enqueue_malformedArgs_failsAndLeavesNoJob() {
    String q = unique("q");
    assertThatThrownBy(() -> queue.enqueue(JobRequest.of("k", "{not json").withQueue(q)))
        .isInstanceOf(org.jdbi.v3.core.statement.StatementException.class);
    assertThat(queue.counts()).noneMatch(c -> c.queue().equals(q));
  }

  @Test
  void request_badValues_areRejected() {
    JobRequest r = JobRequest.of("k", "{}");
    assertThatThrownBy(() -> r.withPriority(10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> r.withMaxAttempts(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> r.withQueue(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> r.withUnique(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JobRequest.of("", "{}")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void enqueue_uniqueRacingInserts_insertOneJob() throws Exception {
    String q = unique("q");
    JobRequest r = request(q).withUnique(Duration.ofHours(1));
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Job>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      results.add(pool.submit(() -> {
        start.await();
        return queue.enqueue(r);
      }));
    }
    start.countDown();
    Set<UUID> ids = new java.util.HashSet<>();
    for (Future<Job> f : results) {
      ids.add(f.get().id());
    }
    pool.shutdown();

    assertThat(ids).hasSize(1);
    assertThat(JobsTesting.countInQueue(jdbi, q, JobState.AVAILABLE)).isEqualTo(1);
    assertThat(queue.get(ids.iterator().next()).orElseThrow().uniqueKey()).isPresent();
  }

  @Test
  void enqueue_uniqueRacingTransactions_secondWaitsForFirstAndGetsItsJob() throws Exception {
    String q = unique("q");
    JobRequest r = request(q).withUnique(Duration.ofHours(1));
    CountDownLatch firstInserted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicReference<Integer> firstBackend = new AtomicReference<>();
    Future<Job> first = pool.submit(() -> jdbi.inTransaction(h -> {
      Job job = queue.enqueue(h, r);
      firstBackend.set(h.createQuery("select pg_backend_pid()").mapTo(Integer.class).one());
      firstInserted.countDown();
      release.await();
      return job;
    }));
    firstInserted.await();
    Future<Job> second = Executors.newSingleThreadExecutor().submit(() -> queue.enqueue(r));
    // PostgreSQL says when the second insert is waiting on the first transaction's lock.
    JobsTesting.await(Duration.ofSeconds(30), "the second enqueue to wait for the first",
        () -> jdbi.withHandle(h -> h.createQuery(
                "select count(*) from pg_stat_activity where :first = any(pg_blocking_pids(pid))")
            .bind("first", firstBackend.get()).mapTo(Integer.class).one()) > 0);
    assertThat(second).isNotDone();
    release.countDown();

    assertThat(second.get().id()).isEqualTo(first.get().id());
    pool.shutdown();
  }

  @Test
  void enqueue_uniqueArgsInAnotherKeyOrder_isTheSameJob() {
    String kind = unique("kind");
    Duration window = Duration.ofHours(1);
    Job a = queue.enqueue(JobRequest.of(kind, "{\"a\": 1, \"b\": {\"c\": 2}}").withUnique(window));
    Job b = queue.enqueue(JobRequest.of(kind, "{\"b\":{\"c\":2},\"a\":1}").withUnique(window));
    Job other = queue.enqueue(JobRequest.of(kind, "{\"a\": 2, \"b\": {\"c\": 2}}").withUnique(window));

    assertThat(b.id()).isEqualTo(a.id());
    assertThat(other.id()).isNotEqualTo(a.id());
  }

  @Test
  void enqueue_uniqueWindow_countsFixedWindowsOfRunAtTime() {
    String kind = unique("kind");
    Duration window = Duration.ofMinutes(10);
    Instant windowStart = Instant.parse("2030-01-01T10:00:00Z");
    JobRequest r = JobRequest.of(kind, "{}").withUnique(window);

    Job first = queue.enqueue(r.withScheduledAt(windowStart.plusSeconds(1)));
    Job sameWindow = queue.enqueue(r.withScheduledAt(windowStart.plusSeconds(599)));
    Job nextWindow = queue.enqueue(r.withScheduledAt(windowStart.plusSeconds(600)));
    Job longerWindow = queue.enqueue(r.withUnique(Duration.ofHours(1))
        .withScheduledAt(windowStart.plusSeconds(1)));

    assertThat(sameWindow.id()).isEqualTo(first.id());
    assertThat(nextWindow.id()).isNotEqualTo(first.id());
    assertThat(longerWindow.id()).isNotIn(first.id(), nextWindow.id());
    assertThat(first.uniqueKey()).hasValueSatisfying(k -> assertThat(k).startsWith(kind + ":"));
  }

  @Test
  void enqueue_uniqueAfterFirstCompleted_stillReturnsFirstWithinWindow() {
    JobRequest r = JobRequest.of(unique("kind"), "{}").withUnique(Duration.ofHours(1));
    Job first = queue.enqueue(r);
    jdbi.useHandle(h -> h.execute(
        "update jobs set state = 'completed', completed_at = now() where id = ?", first.id()));

    assertThat(queue.enqueue(r).id()).isEqualTo(first.id());
  }

  @Test
  void cancel_availableJob_isCancelledAndFinalJobsAreLeftAlone() {
    Job job = queue.enqueue(request(unique("q")));
    Job cancelled = queue.cancel(job.id()).orElseThrow();
    assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
    assertThat(cancelled.cancelledAt()).isPresent();

    Job again = queue.cancel(job.id()).orElseThrow();
    assertThat(again.cancelledAt()).isEqualTo(cancelled.cancelledAt());
    assertThat(queue.cancel(UUID.randomUUID())).isEmpty();
  }

  @Test
  void counts_reportEveryStatePerQueue() {
    String q = unique("q");
    queue.enqueue(request(q));
    queue.enqueue(request(q));
    queue.enqueue(request(q).withScheduledAt(Instant.now().plusSeconds(3600)));
    queue.cancel(queue.enqueue(request(q)).id());

    assertThat(queue.counts().stream().filter(c -> c.queue().equals(q)))
        .containsExactlyInAnyOrder(
            new QueueCount(q, JobState.AVAILABLE, 2),
            new QueueCount(q, JobState.SCHEDULED, 1),
            new QueueCount(q, JobState.CANCELLED, 1));
  }

  @Test
  void prune_deletesOnlyFinishedJobsOlderThanTheAge() {
    String q = unique("q");
    Job oldCompleted = queue.enqueue(request(q));
    Job oldDiscarded = queue.enqueue(request(q));
    Job oldCancelled = queue.enqueue(request(q));
    Job recentCompleted = queue.enqueue(request(q));
    Job oldButWaiting = queue.enqueue(request(q));
    jdbi.useHandle(h -> {
      h.execute("update jobs set state = 'completed', completed_at = now() - interval '2 days'"
          + " where id = ?", oldCompleted.id());
      h.execute("update jobs set state = 'discarded', discarded_at = now() - interval '2 days'"
          + " where id = ?", oldDiscarded.id());
      h.execute("update jobs set state = 'cancelled', cancelled_at = now() - interval '2 days'"
          + " where id = ?", oldCancelled.id());
      h.execute("update jobs set state = 'completed', completed_at = now() where id = ?",
          recentCompleted.id());
      h.execute("update jobs set inserted_at = now() - interval '2 days' where id = ?",
          oldButWaiting.id());
    });

    assertThat(queue.prune(Duration.ofDays(1))).isGreaterThanOrEqualTo(3);

    Set<UUID> left = jdbi.withHandle(h -> h.createQuery("select id from jobs where queue = :q")
        .bind("q", q).mapTo(UUID.class).stream().collect(Collectors.toSet()));
    assertThat(left).containsExactlyInAnyOrder(recentCompleted.id(), oldButWaiting.id());
  }
}
