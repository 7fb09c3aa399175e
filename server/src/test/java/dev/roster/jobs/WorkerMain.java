package dev.roster.jobs;

import dev.roster.platform.db.Database;
import java.time.Duration;

/**
 * A worker process for {@link RescueTest} and {@link TwoProcessDrainTest}. Arguments: jdbc url,
 * queue, kind, node id, and optionally a mode: {@code sleep} (the default: a handler that sleeps for
 * a minute, so the test can SIGKILL it while it holds jobs) or {@code record} (a handler that
 * records each execution in the table {@code job_runs}, so the test can count duplicates).
 */
public final class WorkerMain {
  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String queue = args[1];
    String kind = args[2];
    String node = args[3];
    boolean record = args.length > 4 && args[4].equals("record");
    Database database = Database.open(new Database.Settings(url, "postgres", "", 12,
        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(5)));
    Workers.builder(database.jdbi())
        .node(node)
        .queue(queue, record ? 8 : 4)
        .pollInterval(Duration.ofMillis(20))
        .heartbeatInterval(Duration.ofMillis(100))
        .rescueAfter(Duration.ofSeconds(1))
        .handler(kind, record
            ? job -> database.jdbi().useHandle(h -> h.execute(
                "insert into job_runs (job_id, node) values (?, ?)", job.id(), node))
            : job -> Thread.sleep(60_000))
        .start();
    System.out.println("worker " + node + " started");
    Thread.sleep(Long.MAX_VALUE);
  }
}
