package dev.roster.jobs;

import static dev.roster.jobs.JobsTesting.await;
import static dev.roster.jobs.JobsTesting.fastWorkers;
import static dev.roster.jobs.JobsTesting.jdbi;
import static dev.roster.jobs.JobsTesting.state;
import static dev.roster.jobs.JobsTesting.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One worker node running jobs: outcomes, retries, timeouts, ordering, limits, shutdown. */
class WorkersTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final Jdbi jdbi = jdbi();
  private final JobQueue queue = new JobQueue(jdbi);
  private final String q = unique("q");
  private final String kind = unique("kind");
  private final List<Workers> started = new ArrayList<>();
  /** Handlers that must be stopped (by an interrupt) block on this; released after each test. */
  private final CountDownLatch hold = new CountDownLatch(1);

  @AfterEach
  void stopWorkers() {
    hold.countDown();
    started.forEach(w -> w.close(Duration.ofSeconds(1)));
  }

  private Workers start(Workers.Builder builder) {
    Workers workers = builder.start();
    started.add(workers);
    return workers;
  }

  private Workers start(int concurrency, JobHandler handler) {
    return start(fastWorkers(jdbi).queue(q, concurrency).handler(kind, handler));
  }

  private Job enqueue() {
    return queue.enqueue(JobRequest.of(kind, "{}").withQueue(q));
  }

  private Job awaitState(Job job, JobState state) {
    await(WAIT, "job " + job.id() + " " + state, () -> state(queue, job.id()) == state);
    return queue.get(job.id()).orElseThrow();
  }

  @Test
  void perform_handlerReturns_jobCompletedWithItsDuration() {
    Workers workers = start(2, job -> Thread.sleep(50));
    Job done = awaitState(enqueue(), JobState.COMPLETED);

    assertThat(done.attempt()).isEqualTo(1);
    assertThat(done.attemptedBy()).contains(workers.node());
    assertThat(done.duration()).hasValueSatisfying(d ->
        assertThat(d).isGreaterThanOrEqualTo(Duration.ofMillis(50)));
    assertThat(queue.durations(Duration.ofMinutes(1))).anySatisfy(d -> {
      assertThat(d.queue()).isEqualTo(q);
      assertThat(d.completed()).isEqualTo(1);
      assertThat(d.max()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    });
  }

  @Test
  void perform_failsTwiceThenSucceeds_retriedWithGrowingBackoff() {
    List<Job> attempts = new CopyOnWriteArrayList<>();
    start(fastWorkers(jdbi).queue(q, 1)
        .backoff(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0))
        .handler(kind, job -> {
          attempts.add(job);
          if (job.attempt() < 3) {
            throw new IllegalStateException("boom " + job.attempt());
          }
        }));
    Job done = awaitState(enqueue(), JobState.COMPLETED);

    assertThat(done.attempt()).isEqualTo(3);
    assertThat(done.lastError()).hasValueSatisfying(e -> assertThat(e).contains("boom 2"));
    assertThat(attempts).extracting(Job::attempt).containsExactly(1, 2, 3);
    assertThat(attempts.get(1).state()).isEqualTo(JobState.EXECUTING);
    // scheduled_at of attempt n+1 = failure of attempt n + backoff(n): 200 ms, then 400 ms. The
    // failure comes after the attempt started, so each gap is at least the backoff; by how much
    // more depends on the machine's speed, which is no business of a test (BackoffTest has the
    // exact delays).
    Duration first = Duration.between(attempts.get(0).attemptedAt().orElseThrow(),
        attempts.get(1).scheduledAt());
    Duration second = Duration.between(attempts.get(1).attemptedAt().orElseThrow(),
        attempts.get(2).scheduledAt());
    assertThat(first).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(second).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    for (Job attempt : attempts) {
      assertThat(attempt.attemptedAt().orElseThrow()).isAfterOrEqualTo(attempt.scheduledAt());
    }
  }

  @Test
  void perform_alwaysFails_discardedAfterMaxAttemptsKeepingLastError() {
    AtomicInteger runs = new AtomicInteger();
    start(1, job -> {
      runs.incrementAndGet();
      throw new IllegalArgumentException("bad input " + job.attempt());
    });
    Job job = queue.enqueue(JobRequest.of(kind, "{}").withQueue(q).withMaxAttempts(3));
    Job discarded = awaitState(job, JobState.DISCARDED);

    assertThat(discarded.attempt()).isEqualTo(3);
    assertThat(discarded.discardedAt()).isPresent();
    assertThat(discarded.lastError()).hasValueSatisfying(e -> assertThat(e)
        .startsWith("java.lang.IllegalArgumentException: bad input 3")
        .contains("WorkersTest"));
    assertThat(runs).hasValue(3);
  }

  @Test
  void perform_kindWithoutHandler_failsSayingSo() {
    start(1, job -> { });
    Job job = queue.enqueue(JobRequest.of(unique("unknown"), "{}").withQueue(q).withMaxAttempts(1));

    assertThat(awaitState(job, JobState.DISCARDED).lastError())
        .hasValueSatisfying(e -> assertThat(e).contains("no handler for kind"));
  }

  @Test
  void perform_pastTimeout_interruptedAndTreatedAsFailure() {
    AtomicBoolean interrupted = new AtomicBoolean();
    start(1, job -> {
      try {
        hold.await();
      } catch (InterruptedException e) {
        interrupted.set(true);
        throw e;
      }
    });
    Job job = queue.enqueue(JobRequest.of(kind, "{}").withQueue(q)
        .withTimeout(Duration.ofMillis(300)).withMaxAttempts(2));

    Job retryable = awaitState(job, JobState.RETRYABLE);
    assertThat(retryable.lastError()).contains("timed out after PT0.3S");
    await(WAIT, "interrupt", interrupted::get);
    Job discarded = awaitState(job, JobState.DISCARDED);
    assertThat(discarded.attempt()).isEqualTo(2);
  }

  @Test
  void perform_ignoresInterrupt_failedAtTimeoutAndItsLateSuccessIgnored() {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch returned = new CountDownLatch(1);
    start(fastWorkers(jdbi).queue(q, 1).defaultTimeout(Duration.ofMillis(200))
        .handler(kind, job -> {
          JobsTesting.awaitIgnoringInterrupts(release);
          returned.countDown();
        }));
    Job job = queue.enqueue(JobRequest.of(kind, "{}").withQueue(q).withMaxAttempts(1));

    Job discarded = awaitState(job, JobState.DISCARDED);
    assertThat(returned.getCount()).as("failed before the handler returned").isEqualTo(1);
    assertThat(discarded.lastError()).contains("timed out after PT0.2S");
    release.countDown();
    await(WAIT, "handler to return", () -> returned.getCount() == 0);
    assertThat(state(queue, job.id())).isEqualTo(JobState.DISCARDED);
  }

  @Test
  void fetch_priorityThenRunAtThenInsertion() {
    List<String> order = new CopyOnWriteArrayList<>();
    Instant past = Instant.now().minusSeconds(60);
    JobRequest r = JobRequest.of(kind, "{}").withQueue(q);
    queue.enqueue(r.withPriority(5).withScheduledAt(past));
    Job p0a = queue.enqueue(r);
    Job p0b = queue.enqueue(r);
    queue.enqueue(r.withPriority(9).withScheduledAt(past));
    Job p0Earlier = queue.enqueue(r.withScheduledAt(past));
    List<String> expected = List.of(p0Earlier.id().toString(), p0a.id().toString(),
        p0b.id().toString(), "5", "9");

    start(1, job -> order.add(job.priority() == 0 ? job.id().toString() : "" + job.priority()));

    await(WAIT, "5 jobs", () -> order.size() == 5);
    assertThat(order).containsExactlyElementsOf(expected);
  }

  @Test
  void fetch_scheduledJob_runsNoEarlierThanItsRunAt() {
    Map<String, Job> ran = new ConcurrentHashMap<>();
    start(2, job -> ran.put(job.args(), job));
    // An hour ahead, so it is not due however slow this machine is; then made due by the test.
    Job later = queue.enqueue(JobRequest.of(kind, "{\"when\": \"later\"}").withQueue(q)
        .withScheduledAt(Instant.now().plusSeconds(3600)));
    Job now = queue.enqueue(JobRequest.of(kind, "{\"when\": \"now\"}").withQueue(q));

    assertThat(later.state()).isEqualTo(JobState.SCHEDULED);
    awaitState(now, JobState.COMPLETED);
    assertThat(state(queue, later.id())).isEqualTo(JobState.SCHEDULED);
    Instant runAt = jdbi.withHandle(h -> h.createQuery(
            "update jobs set scheduled_at = now() where id = :id returning scheduled_at")
        .bind("id", later.id()).mapTo(Instant.class).one());
    awaitState(later, JobState.COMPLETED);
    assertThat(ran.get(later.args()).attemptedAt()).hasValueSatisfying(t ->
        assertThat(t).isAfterOrEqualTo(runAt));
  }

  @Test
  void queue_concurrencyLimit_isReachedNeverExceeded() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    CountDownLatch full = new CountDownLatch(1);
    start(3, job -> {
      peak.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        full.await(); // the first three stay until the queue is seen full; later ones pass
      } finally {
        running.decrementAndGet();
      }
    });
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      jobs.add(enqueue());
    }

    await(WAIT, "three jobs running at once", () -> running.get() == 3);
    full.countDown();
    jobs.forEach(job -> awaitState(job, JobState.COMPLETED));
    assertThat(peak).hasValue(3);
  }

  @Test
  void cancel_runningJob_interruptsHandlerAndStaysCancelled() {
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    start(1, job -> {
      running.countDown();
      try {
        hold.await();
      } catch (InterruptedException e) {
        interrupted.set(true);
        throw e;
      }
    });
    Job job = enqueue();
    await(WAIT, "handler running", () -> running.getCount() == 0);

    assertThat(queue.cancel(job.id()).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
    await(WAIT, "handler interrupted", interrupted::get);
    Job after = queue.get(job.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(JobState.CANCELLED);
    assertThat(after.lastError()).isEmpty();
  }

  @Test
  void close_jobsFinishingWithinGrace_complete() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    Workers workers = start(2, job -> {
      running.countDown();
      finish.await();
    });
    Job job = enqueue();
    await(WAIT, "handler running", () -> running.getCount() == 0);

    Thread closer = new Thread(() -> workers.close(Duration.ofSeconds(30)), "test-close");
    closer.start();
    // The job finishes only once close is waiting for it.
    await(WAIT, "close to wait", () -> closer.getState() == Thread.State.TIMED_WAITING);
    finish.countDown();
    closer.join();

    assertThat(state(queue, job.id())).isEqualTo(JobState.COMPLETED);
    assertThat(nodeRows(workers.node())).isZero();
  }

  @Test
  void close_jobsOutlastingGrace_givenBackUncountedAndInterrupted() {
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    Workers workers = start(2, job -> {
      running.countDown();
      try {
        hold.await();
      } catch (InterruptedException e) {
        interrupted.set(true);
        throw e;
      }
    });
    Job job = enqueue();
    await(WAIT, "handler running", () -> running.getCount() == 0);

    // The handler only ends when interrupted, so close returning at all shows it gave up waiting
    // at the grace; the bound only turns a regression into a failure instead of a hang.
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> workers.close(Duration.ofMillis(300)));

    Job back = queue.get(job.id()).orElseThrow();
    assertThat(back.state()).isEqualTo(JobState.AVAILABLE);
    assertThat(back.attempt()).isZero();
    await(WAIT, "handler interrupted", interrupted::get);
    assertThat(state(queue, job.id())).isEqualTo(JobState.AVAILABLE);
    assertThat(nodeRows(workers.node())).isZero();
  }

  @Test
  void stats_logLinePerInterval_hasCountsPerQueueAndState() {
    Logger logger = (Logger) LoggerFactory.getLogger(Maintenance.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    Level level = logger.getLevel();
    logger.setLevel(Level.INFO);
    logger.addAppender(appender);
    try {
      start(fastWorkers(jdbi).queue(q, 1).handler(kind, job -> { })
          .statsInterval(Duration.ofMillis(300)));
      awaitState(enqueue(), JobState.COMPLETED);
      await(WAIT, "a stats line naming the queue", () -> appender.list.stream().anyMatch(e ->
          e.getFormattedMessage().contains(q + "=completed=1")
              && e.getFormattedMessage().contains(q + "[ok=1 failed=0")));
    } finally {
      logger.detachAppender(appender);
      logger.setLevel(level);
    }
  }

  @Test
  void start_unsafeSettings_areRejected() {
    assertThatThrownBy(() -> Workers.builder(jdbi).heartbeatInterval(Duration.ofSeconds(2))
        .rescueAfter(Duration.ofSeconds(3)).start())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workers.builder(jdbi).pruneAfter(Duration.ofHours(1))
        .cron("hourly", Duration.ofHours(1), JobRequest.of(kind, "{}")).start())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workers.builder(jdbi)
        .cron("twice", Duration.ofHours(1), JobRequest.of(kind, "{}"))
        .cron("twice", Duration.ofHours(2), JobRequest.of(kind, "{}")).start())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workers.builder(jdbi).queue(q, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private long nodeRows(String node) {
    return jdbi.withHandle(h -> h.createQuery("select count(*) from job_nodes where node = :n")
        .bind("n", node).mapTo(Long.class).one());
  }
}
