package dev.roster.platform.db;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that sends PostgreSQL cancel requests ({@link Statement#cancel}), on
 * {@value #THREADS} threads of its own with a queue of at most {@value #QUEUE}. A cancel request
 * opens a new connection to the server and waits for it to close (up to the driver's
 * {@code cancelSignalTimeout}, see {@link Database}), so it blocks, and against a frozen server it
 * blocks for the whole timeout: no caller may wait for it, least of all a transport thread.
 *
 * <p>Bounded on purpose: a flood of cancellations against a server that does not answer would
 * otherwise queue without end. When the queue is full a request is dropped (counted and logged at
 * debug); the statement then ends by its query timeout (the call's time left) or, at worst, the
 * socket timeout. A queued request whose statement has ended meanwhile is skipped without a round
 * trip.
 */
final class StatementCancels {
  static final int THREADS = 2;
  static final int QUEUE = 64;
  private static final Logger log = LoggerFactory.getLogger(StatementCancels.class);
  private static final AtomicInteger THREAD = new AtomicInteger();
  private static final AtomicLong SENT = new AtomicLong();
  private static final AtomicLong DROPPED = new AtomicLong();
  private static final ThreadPoolExecutor EXECUTOR = new ThreadPoolExecutor(THREADS, THREADS,
      0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
        Thread t = new Thread(r, "roster-statement-cancel-" + THREAD.incrementAndGet());
        t.setDaemon(true);
        return t;
      }, (task, executor) -> {
        throw new RejectedExecutionException("cancel queue full");
      });

  private StatementCancels() {}

  /**
   * Queues a cancel request for {@code statement}, sent only if {@code stillRunning} holds when its
   * turn comes. Returns at once, on any thread: false if the request was dropped (queue full).
   */
  static boolean cancel(Statement statement, BooleanSupplier stillRunning) {
    try {
      EXECUTOR.execute(() -> {
        if (!stillRunning.getAsBoolean()) {
          return;
        }
        SENT.incrementAndGet();
        try {
          statement.cancel();
        } catch (SQLException | RuntimeException e) {
          log.debug("could not cancel a statement: {}", e.toString());
        }
      });
      return true;
    } catch (RejectedExecutionException full) {
      long dropped = DROPPED.incrementAndGet();
      log.debug("statement cancel dropped ({} so far): {} queued", dropped, QUEUE);
      return false;
    }
  }

  /** Cancel requests sent so far (for tests and metrics). */
  static long sent() {
    return SENT.get();
  }

  /** Cancel requests dropped so far because the queue was full. */
  static long dropped() {
    return DROPPED.get();
  }

  /** Requests being sent or waiting to be, right now (approximate). */
  static int busy() {
    return EXECUTOR.getActiveCount() + EXECUTOR.getQueue().size();
  }

  /** Requests waiting for a thread right now. */
  static int queued() {
    return EXECUTOR.getQueue().size();
  }
}
