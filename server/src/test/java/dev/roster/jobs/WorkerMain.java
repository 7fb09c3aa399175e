package dev.roster.jobs;

import dev.roster.platform.db.Database;
import java.time.Duration;

/**
 * A worker process for {@link RescueTest}: runs one queue with a handler that sleeps for a minute,
 * so the test can SIGKILL it while it holds jobs. Arguments: jdbc url, queue, kind, node id.
 */
public final class WorkerMain {
  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String queue = args[1];
    String kind = args[2];
    String node = args[3];
    Database database = Database.open(new Database.Settings(url, "postgres", "", 6,
        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(5)));
    Workers.builder(database.jdbi())
        .node(node)
        .queue(queue, 4)
        .pollInterval(Duration.ofMillis(20))
        .heartbeatInterval(Duration.ofMillis(100))
        .rescueAfter(Duration.ofSeconds(1))
        .handler(kind, job -> Thread.sleep(60_000))
        .start();
    System.out.println("worker " + node + " started");
    Thread.sleep(Long.MAX_VALUE);
  }
}
