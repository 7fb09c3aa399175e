package dev.roster.jobs;

import dev.roster.platform.db.Database;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestDatabase;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Jdbi;

/** Helpers for job tests: fast settings, own queues per test, bounded waits. */
final class JobsTesting {
  private JobsTesting() {}

  static Jdbi jdbi() {
    return TestDatabase.database().jdbi();
  }

  /** A queue (and kind) name no other test uses, so tests sharing the database stay apart. */
  static String unique(String prefix) {
    return Fixtures.slug(prefix);
  }

  /** Workers with short intervals, so a test waits milliseconds instead of seconds. */
  static Workers.Builder fastWorkers(Jdbi jdbi) {
    return Workers.builder(jdbi)
        .pollInterval(Duration.ofMillis(20))
        .heartbeatInterval(Duration.ofMillis(100))
        .rescueAfter(Duration.ofSeconds(1))
        .backoff(new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1), 0.1))
        .shutdownGrace(Duration.ofSeconds(5));
  }

  /** A database connection pool of its own, as a separate process would have. */
  static Database openDatabase(int poolSize) {
    Database.Settings s = TestDatabase.settings();
    return Database.open(new Database.Settings(s.url(), s.user(), s.password(), poolSize,
        s.connectTimeout(), s.socketTimeout(), s.acquireTimeout()));
  }

  /** Waits until {@code condition} holds, failing the test after {@code timeout}. */
  static void await(Duration timeout, String what, BooleanSupplier condition) {
    Await.until(timeout, what, condition);
  }

  /**
   * Blocks a handler until {@code release} is counted down, ignoring interrupts the way a handler
   * stuck in non-interruptible work would.
   */
  static void awaitIgnoringInterrupts(CountDownLatch release) {
    boolean interrupted = false;
    while (true) {
      try {
        release.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  static JobState state(JobQueue queue, java.util.UUID id) {
    return queue.get(id).orElseThrow().state();
  }

  static long countInQueue(Jdbi jdbi, String queue, JobState state) {
    return jdbi.withHandle(h -> h.createQuery(
            "select count(*) from jobs where queue = :queue and state = :state")
        .bind("queue", queue).bind("state", state.sql()).mapTo(Long.class).one());
  }
}
