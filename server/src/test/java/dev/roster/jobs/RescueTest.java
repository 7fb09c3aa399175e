package dev.roster.jobs;

import static dev.roster.jobs.JobsTesting.await;
import static dev.roster.jobs.JobsTesting.countInQueue;
import static dev.roster.jobs.JobsTesting.fastWorkers;
import static dev.roster.jobs.JobsTesting.jdbi;
import static dev.roster.jobs.JobsTesting.state;
import static dev.roster.jobs.JobsTesting.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.testing.TestDatabase;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs of dead nodes come back by heartbeat; jobs of live, slow nodes do not. Includes a worker
 * JVM killed with SIGKILL while it holds jobs.
 */
class RescueTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final Jdbi jdbi = jdbi();
  private final JobQueue queue = new JobQueue(jdbi);
  private final String q = unique("q");
  private final String kind = unique("kind");
  private final Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final List<Workers> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(w -> w.close(Duration.ofSeconds(1)));
  }

  private Workers start(Workers.Builder builder) {
    Workers workers = builder.start();
    nodes.add(workers);
    return workers;
  }

  private Workers startCounting() {
    return start(fastWorkers(jdbi).queue(q, 4).handler(kind, this::count));
  }

  private void count(Job job) {
    runs.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
  }

  private List<UUID> enqueue(int n, int maxAttempts) {
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(queue.enqueue(JobRequest.of(kind, "{\"i\": " + i + "}").withQueue(q)
          .withMaxAttempts(maxAttempts)).id());
    }
    return ids;
  }

  /** Makes the jobs look claimed by {@code node}, as a fetch on that node would have. */
  private void claim(List<UUID> ids, String node) {
    jdbi.useHandle(h -> h.createUpdate("update jobs set state = 'executing', attempt = attempt + 1,"
            + " attempted_at = now(), attempted_by = :node where id = any(:ids)")
        .bind("node", node).bindArray("ids", UUID.class, ids).execute());
  }

  @Test
  void rescue_nodeStoppedBeating_itsJobsRunAgainElsewhere() {
    String dead = unique("dead");
    jdbi.useHandle(h -> h.execute("insert into job_nodes (node, started_at, heartbeat_at)"
        + " values (?, now() - interval '1 hour', now() - interval '1 minute')", dead));
    List<UUID> ids = enqueue(5, 20);
    UUID lastAttempt = enqueue(1, 1).get(0);
    claim(ids, dead);
    claim(List.of(lastAttempt), dead);

    startCounting();

    for (UUID id : ids) {
      await(WAIT, "rescued job " + id, () -> state(queue, id) == JobState.COMPLETED);
      Job job = queue.get(id).orElseThrow();
      assertThat(job.attempt()).isEqualTo(2);
      assertThat(job.lastError()).hasValueSatisfying(e -> assertThat(e).contains(dead));
      assertThat(runs.get(id)).hasValue(1);
    }
    Job discarded = queue.get(lastAttempt).orElseThrow();
    assertThat(discarded.state()).as("its only attempt died with the node")
        .isEqualTo(JobState.DISCARDED);
    assertThat(runs).doesNotContainKey(lastAttempt);
    long deadRows = jdbi.withHandle(h -> h.createQuery(
            "select count(*) from job_nodes where node = ?").bind(0, dead).mapTo(Long.class).one());
    assertThat(deadRows).as("dead node forgotten").isZero();
  }

  @Test
  void rescue_slowJobOnLiveNode_isNotRunTwice() {
    CountDownLatch release = new CountDownLatch(1);
    for (int i = 0; i < 2; i++) {
      start(fastWorkers(jdbi).queue(q, 2).rescueAfter(Duration.ofMillis(500)).handler(kind, job -> {
        count(job);
        release.await();
      }));
    }
    UUID id = enqueue(1, 20).get(0);

    // Rescue judges by the database's clock: hold the job until it has run for three times the
    // rescue age, while both nodes keep beating and rescuing.
    await(WAIT, "the job to run for 1.5 s of database time", () -> jdbi.withHandle(h -> h.createQuery(
            "select coalesce(now() - attempted_at > interval '1500 milliseconds', false)"
                + " from jobs where id = :id and state = 'executing'")
        .bind("id", id).mapTo(Boolean.class).findOne().orElse(false)));
    assertThat(runs.get(id)).hasValue(1);
    release.countDown();

    await(WAIT, "slow job completed", () -> state(queue, id) == JobState.COMPLETED);
    // A rescue would have counted a second attempt (and a second run before completing).
    assertThat(runs.get(id)).hasValue(1);
    assertThat(queue.get(id).orElseThrow().attempt()).isEqualTo(1);
  }

  @Test
  void releaseOrphans_jobExecutingUnderThisNodeButNotRunning_isGivenBack() {
    Workers workers = startCounting();
    UUID id = enqueue(1, 20).get(0);
    await(WAIT, "first run", () -> state(queue, id) == JobState.COMPLETED);
    // As if the outcome of an attempt on this live node had not been written.
    jdbi.useHandle(h -> h.execute("update jobs set state = 'executing', attempt = attempt + 1,"
        + " completed_at = null, attempted_by = ? where id = ?", workers.node(), id));

    await(WAIT, "orphan run again", () -> runs.get(id).get() == 2);
    await(WAIT, "orphan completed", () -> state(queue, id) == JobState.COMPLETED);
    assertThat(queue.get(id).orElseThrow().lastError())
        .hasValueSatisfying(e -> assertThat(e).startsWith("orphaned"));
  }

  @Test
  void sigkill_workerJvmHoldingJobs_noJobLost() throws Exception {
    List<UUID> ids = enqueue(10, 20);
    String node = unique("doomed");
    File log = Path.of("target", "worker-main-" + node + ".log").toFile();
    Process worker = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        WorkerMain.class.getName(), TestDatabase.jdbcUrl(), q, kind, node)
        .redirectErrorStream(true)
        .redirectOutput(log)
        .start();
    try {
      await(Duration.ofSeconds(60), "the worker JVM to hold 4 jobs (log: " + log + ")",
          () -> executingBy(node) == 4);
    } finally {
      worker.destroyForcibly();
      assertThat(worker.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(worker.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    assertThat(executingBy(node)).isEqualTo(4);

    startCounting();

    await(WAIT, "all 10 jobs completed", () -> countInQueue(jdbi, q, JobState.COMPLETED) == 10);
    assertThat(runs.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(runs.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    long rescued = ids.stream().map(id -> queue.get(id).orElseThrow())
        .filter(j -> j.attempt() == 2 && j.lastError().orElse("").contains(node)).count();
    assertThat(rescued).isEqualTo(4);
  }

  private long executingBy(String node) {
    return jdbi.withHandle(h -> h.createQuery(
            "select count(*) from jobs where state = 'executing' and attempted_by = :node")
        .bind("node", node).mapTo(Long.class).one());
  }
}
