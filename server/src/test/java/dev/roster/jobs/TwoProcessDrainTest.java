package dev.roster.jobs;

import static dev.roster.jobs.JobsTesting.await;
import static dev.roster.jobs.JobsTesting.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.testing.TestDatabase;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** Two worker processes (separate JVMs) drain 10,000 jobs from one queue: each runs exactly once. */
class TwoProcessDrainTest {
  private static final int JOBS = 10_000;

  @Test
  void twoWorkerJvms_drain10000Jobs_eachExactlyOnce() throws Exception {
    Jdbi jdbi = TestDatabase.database().jdbi();
    jdbi.useHandle(h -> h.execute(
        "create table if not exists job_runs (job_id uuid not null, node text not null)"));
    String queue = unique("drain");
    String kind = unique("drain_kind");
    JobQueue jobs = new JobQueue(jdbi);
    jdbi.useTransaction(h -> {
      for (int i = 0; i < JOBS; i++) {
        jobs.enqueue(h, JobRequest.of(kind, "{\"i\":" + i + "}").withQueue(queue));
      }
    });

    List<Process> workers = new ArrayList<>();
    try {
      for (String node : List.of(unique("left"), unique("right"))) {
        File log = Path.of("target", "worker-main-" + node + ".log").toFile();
        workers.add(new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"),
            WorkerMain.class.getName(), TestDatabase.jdbcUrl(), queue, kind, node, "record")
            .redirectErrorStream(true).redirectOutput(log).start());
      }
      await(Duration.ofSeconds(150), "10,000 jobs completed", () -> completed(jdbi, kind) == JOBS);
    } finally {
      for (Process p : workers) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }

    Map<String, Object> runs = jdbi.withHandle(h -> h.createQuery("""
            select count(*) as executions, count(distinct r.job_id) as distinct_jobs,
                   count(distinct r.node) as nodes
              from job_runs r join jobs j on j.id = r.job_id where j.kind = :kind""")
        .bind("kind", kind).mapToMap().one());
    assertThat(((Number) runs.get("distinct_jobs")).longValue()).isEqualTo(JOBS);
    assertThat(((Number) runs.get("executions")).longValue()).as("duplicates").isEqualTo(JOBS);
    assertThat(((Number) runs.get("nodes")).longValue()).as("both processes took part").isEqualTo(2);
  }

  private static long completed(Jdbi jdbi, String kind) {
    return jdbi.withHandle(h -> h.createQuery(
            "select count(*) from jobs where kind = :kind and state = 'completed'")
        .bind("kind", kind).mapTo(Long.class).one());
  }
}
