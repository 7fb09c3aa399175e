package dev.roster.jobs;

import dev.roster.platform.db.Database;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A worker process for {@link RescueTest} and {@link TwoProcessDrainTest}. Arguments: jdbc url,
 * queue, kind, node id, and optionally a mode: {@code hold} (the default: a handler that holds its
 * job until the process dies, so the test can SIGKILL it while it holds jobs) or {@code record} (a
 * handler that records each execution in the table {@code job_runs}, so the test can count
 * duplicates).
 */
public final class WorkerMain {
  /** Never counted down: what the handlers and the main thread wait on until the process dies. */
  private static final CountDownLatch KILLED = new CountDownLatch(1);

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
            : job -> KILLED.await())
        .start();
    System.out.println("worker " + node + " started");
    KILLED.await();
  }
}
