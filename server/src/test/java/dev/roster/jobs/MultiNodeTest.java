package dev.roster.jobs;

import static dev.roster.jobs.JobsTesting.await;
import static dev.roster.jobs.JobsTesting.countInQueue;
import static dev.roster.jobs.JobsTesting.fastWorkers;
import static dev.roster.jobs.JobsTesting.jdbi;
import static dev.roster.jobs.JobsTesting.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.platform.db.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two worker nodes in one JVM, each with a connection pool of its own (as two processes would
 * have), sharing queues: no job runs twice, recurring jobs run once per period.
 */
class MultiNodeTest {
  private final Jdbi jdbi = jdbi();
  private final JobQueue queue = new JobQueue(jdbi);
  private final String q = unique("q");
  private final String kind = unique("kind");
  private final List<Workers> nodes = new ArrayList<>();
  private Database poolA;
  private Database poolB;

  @BeforeEach
  void openPools() {
    poolA = JobsTesting.openDatabase(12);
    poolB = JobsTesting.openDatabase(12);
  }

  @AfterEach
  void stop() {
    nodes.forEach(w -> w.close(Duration.ofSeconds(1)));
    poolA.close();
    poolB.close();
  }

  private Workers start(Workers.Builder builder) {
    Workers workers = builder.start();
    nodes.add(workers);
    return workers;
  }

  @Test
  void twoNodes_drain2000Jobs_eachRunsExactlyOnce() {
    Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> perNode = new ConcurrentHashMap<>();
    for (Database pool : List.of(poolA, poolB)) {
      String node = unique("node");
      start(fastWorkers(pool.jdbi()).node(node).queue(q, 8).handler(kind, job -> {
        runs.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
        perNode.computeIfAbsent(node, n -> new AtomicInteger()).incrementAndGet();
      }));
    }
    int total = 2000;
    List<UUID> ids = jdbi.inTransaction(h -> {
      List<UUID> enqueued = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        enqueued.add(queue.enqueue(h, JobRequest.of(kind, "{\"i\": " + i + "}").withQueue(q)).id());
      }
      return enqueued;
    });

    await(Duration.ofSeconds(30), "all jobs completed",
        () -> countInQueue(jdbi, q, JobState.COMPLETED) == total);
    nodes.forEach(w -> w.close(Duration.ofSeconds(1)));

    assertThat(runs.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(runs.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    assertThat(perNode.values()).hasSize(2)
        .allSatisfy(n -> assertThat(n.get()).isGreaterThan(total / 10));
  }

  @Test
  void cron_twoNodes_enqueueOnePerPeriod() {
    Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
    JobRequest tick = JobRequest.of(kind, "{\"report\": \"daily\"}").withQueue(q);
    for (Database pool : List.of(poolA, poolB)) {
      start(fastWorkers(pool.jdbi()).queue(q, 2)
          .cron("tick", Duration.ofSeconds(1), tick)
          .handler(kind, job -> runs.computeIfAbsent(job.id(), id -> new AtomicInteger())
              .incrementAndGet()));
    }
    // Periods follow the database's clock, so this waits for real seconds to pass, but only as
    // long as it takes: three periods run, each enqueued by both nodes racing for it.
    await(Duration.ofSeconds(30), "three periods run", () -> runs.size() >= 3);
    nodes.forEach(w -> w.close(Duration.ofSeconds(1)));

    List<Instant> periods = periods();
    assertThat(periods).doesNotHaveDuplicates();
    for (int i = 1; i < periods.size(); i++) {
      // Consecutive on a healthy machine; a period both nodes slept through is skipped, not doubled.
      Duration gap = Duration.between(periods.get(i - 1), periods.get(i));
      assertThat(gap).isPositive();
      assertThat(gap.toMillis() % 1000).isZero();
    }
    assertThat(periods).allSatisfy(p -> assertThat(p.toEpochMilli() % 1000).isZero());
    assertThat(runs.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    assertThat(periods).hasSizeGreaterThanOrEqualTo(runs.size());
  }

  private List<Instant> periods() {
    return jdbi.withHandle(h -> h.createQuery(
            "select scheduled_at from jobs where kind = :kind order by scheduled_at")
        .bind("kind", kind).mapTo(Instant.class).list());
  }

  @Test
  void prune_runsOnItsOwnOnEveryNode() {
    Job old = queue.enqueue(JobRequest.of(kind, "{}").withQueue(q));
    Job recent = queue.enqueue(JobRequest.of(kind, "{}").withQueue(q));
    jdbi.useHandle(h -> {
      h.execute("update jobs set state = 'completed', completed_at = now() - interval '2 hours'"
          + " where id = ?", old.id());
      h.execute("update jobs set state = 'completed', completed_at = now() where id = ?",
          recent.id());
    });

    start(fastWorkers(poolA.jdbi()).pruneAfter(Duration.ofHours(1))
        .pruneInterval(Duration.ofMillis(100)));

    await(Duration.ofSeconds(10), "old job pruned", () -> queue.get(old.id()).isEmpty());
    assertThat(queue.get(recent.id())).isPresent();
  }
}
