package dev.roster.jobs;

import static dev.roster.jobs.JobsTesting.await;
import static dev.roster.jobs.JobsTesting.fastWorkers;
import static dev.roster.jobs.JobsTesting.jdbi;
import static dev.roster.jobs.JobsTesting.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Claims fair across partitions: one partition's backlog does not delay another partition's job.
 * Jobs are enqueued before the workers start, and every handler waits for a permit the test hands
 * out one at a time, so the order of claims is fixed.
 */
class FairClaimTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Jdbi jdbi = jdbi();
  private final JobQueue queue = new JobQueue(jdbi);
  private final String q = unique("fair");
  private final String kind = unique("kind");
  private final List<String> started = new CopyOnWriteArrayList<>();
  private final Semaphore finish = new Semaphore(0);
  private final List<Workers> workers = new ArrayList<>();

  @AfterEach
  void stop() {
    finish.release(1000);
    workers.forEach(w -> w.close(Duration.ofSeconds(1)));
  }

  private void enqueue(String partition, String name) {
    JobRequest request = JobRequest.of(kind, "{\"name\": \"" + name + "\"}").withQueue(q);
    queue.enqueue(partition == null ? request : request.withPartition(partition));
  }

  private void startWorkers(int concurrency) {
    workers.add(fastWorkers(jdbi).queue(q, concurrency).handler(kind, job -> {
      started.add(JSON.readTree(job.args()).get("name").asText());
      finish.acquire();
    }).start());
  }

  private void finishOneAndAwait(int startedCount) {
    finish.release();
    await(WAIT, startedCount + " jobs started", () -> started.size() >= startedCount);
  }

  @Test
  void fetch_concurrencyOne_anotherPartitionsJobRunsRightAfterTheRunningOne() {
    for (int i = 1; i <= 5; i++) {
      enqueue("org-a", "a" + i);
    }
    enqueue("org-b", "b1");
    startWorkers(1);
    await(WAIT, "the first job to start", () -> started.size() == 1);
    for (int n = 2; n <= 6; n++) {
      finishOneAndAwait(n);
    }
    // b1 runs as soon as a1 is done, not after a's whole backlog; then a's jobs in order.
    assertThat(started).containsExactly("a1", "b1", "a2", "a3", "a4", "a5");
  }

  @Test
  void fetch_severalFreeSlots_spreadsTheClaimOverPartitions() {
    for (int i = 1; i <= 3; i++) {
      enqueue("org-a", "a" + i);
    }
    enqueue("org-b", "b1");
    enqueue("org-c", "c1");
    startWorkers(3);
    await(WAIT, "three jobs to start", () -> started.size() == 3);
    assertThat(started).containsExactlyInAnyOrder("a1", "b1", "c1");
  }

  @Test
  void fetch_jobsWithoutPartitionInAPartitionedQueue_shareOnePartition() {
    enqueue(null, "n1");
    enqueue(null, "n2");
    enqueue("org-a", "a1");
    startWorkers(1);
    await(WAIT, "the first job to start", () -> started.size() == 1);
    finishOneAndAwait(2);
    finishOneAndAwait(3);
    // n1 first (oldest); then a1, whose partition has nothing running, before n2, whose has.
    assertThat(started).containsExactly("n1", "a1", "n2");
  }

  @Test
  void countUnfinished_countsWaitingAndExecutingOfThePartitionOnly() {
    enqueue("org-a", "a1");
    enqueue("org-a", "a2");
    enqueue("org-b", "b1");
    startWorkers(1);
    await(WAIT, "the first job to start", () -> started.size() == 1);
    assertThat(unfinished("org-a")).isEqualTo(2);
    assertThat(unfinished("org-b")).isEqualTo(1);
    finishOneAndAwait(2);
    finishOneAndAwait(3);
    finish.release();
    await(WAIT, "every job to finish", () -> unfinished("org-a") + unfinished("org-b") == 0);
  }

  private int unfinished(String partition) {
    return jdbi.<Integer, RuntimeException>withHandle(h -> queue.countUnfinished(h, q, partition));
  }
}
