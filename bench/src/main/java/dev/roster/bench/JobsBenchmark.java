package dev.roster.bench;

import dev.roster.jobs.JobQueue;
import dev.roster.jobs.JobRequest;
import dev.roster.jobs.Workers;
import dev.roster.platform.db.Database;
import dev.roster.platform.db.EmbeddedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of the job queue: enqueues N no-op jobs, then times how long 1 and then 2 worker
 * nodes (each with the given concurrency) take to run them all. Prints a Markdown table.
 */
@Command(name = "jobs-benchmark", mixinStandardHelpOptions = true,
    description = "Measures jobs per second through the PostgreSQL job queue.")
public final class JobsBenchmark implements Callable<Integer> {
  @Option(names = "--jobs", defaultValue = "20000", description = "jobs per run (default ${DEFAULT-VALUE})")
  int jobs;

  @Option(names = "--concurrency", defaultValue = "20", description = "concurrency per node (default ${DEFAULT-VALUE})")
  int concurrency;

  public static void main(String[] args) {
    System.exit(new CommandLine(new JobsBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("roster-jobs-bench");
    try (EmbeddedDatabase embedded = EmbeddedDatabase.start(dir.resolve("postgres"), 0);
        Database db = Database.open(new Database.Settings(embedded.jdbcUrl(), embedded.user(), "",
            20, Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(10)))) {
      JobQueue queue = new JobQueue(db.jdbi());
      System.out.println("| worker nodes | concurrency per node | jobs | seconds | jobs/s |");
      System.out.println("|---:|---:|---:|---:|---:|");
      for (int nodes : List.of(1, 2)) {
        String kind = "noop_" + nodes;
        long enqueueStart = System.nanoTime();
        db.jdbi().useTransaction(h -> {
          for (int i = 0; i < jobs; i++) {
            queue.enqueue(h, JobRequest.of(kind, "{\"i\":" + i + "}"));
          }
        });
        double enqueueSeconds = (System.nanoTime() - enqueueStart) / 1e9;
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime();
        List<Workers> running = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
          running.add(Workers.builder(db.jdbi()).queue(JobRequest.DEFAULT_QUEUE, concurrency)
              .handler(kind, job -> done.incrementAndGet())
              .pollInterval(Duration.ofMillis(50))
              .start());
        }
        while (done.get() < jobs) {
          Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        for (Workers w : running) {
          w.close(Duration.ofSeconds(5));
        }
        System.out.printf("| %d | %d | %,d | %.2f | %,.0f |%n", nodes, concurrency, jobs, seconds,
            jobs / seconds);
        System.err.printf("(enqueued %,d jobs in one transaction in %.2f s: %,.0f/s)%n", jobs,
            enqueueSeconds, jobs / enqueueSeconds);
      }
    }
    return 0;
  }
}
