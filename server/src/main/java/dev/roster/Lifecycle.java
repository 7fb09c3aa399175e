package dev.roster;

import dev.roster.observability.Logging;
import dev.roster.platform.db.EmbeddedDatabase;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start and stop of one process, safe whenever the signal arrives: the shutdown hook is registered
 * before start-up begins. A signal during start-up makes start-up stop where it is (it checks for
 * a JVM shutdown before each step that would start something) and close what it opened; the hook
 * waits for that, and once start-up has finished, closes what it started (the graceful stop). If
 * start-up does not stop within {@link #START_ABORT_WAIT} (stuck), the hook stops the embedded
 * PostgreSQL itself, so that no process outlives the JVM, and lets the JVM exit.
 *
 * @param <T> what start-up returns, closed by the hook
 */
final class Lifecycle<T extends AutoCloseable> {
  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);
  /** Longer than the embedded PostgreSQL's own start (10 s) and stop (5 s) waits. */
  static final Duration START_ABORT_WAIT = Duration.ofSeconds(20);

  private final CountDownLatch settled = new CountDownLatch(1);
  private final Duration startAbortWait;
  private Runnable last = () -> { };
  private volatile T started;

  Lifecycle() {
    this(START_ABORT_WAIT);
  }

  /** With another bound on the wait for a start-up in progress (tests). */
  Lifecycle(Duration startAbortWait) {
    this.startAbortWait = startAbortWait;
  }

  /**
   * Makes the hook run {@code last} after everything else, e.g. {@link Logging#stop} so that the
   * lines still queued in the asynchronous log appender are written before the JVM exits.
   */
  Lifecycle<T> finallyRun(Runnable last) {
    this.last = last;
    return this;
  }

  /** Registers the shutdown hook; call before {@link #start}. */
  Lifecycle<T> registerHook(String threadName) {
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, threadName));
    return this;
  }

  /** Runs start-up on this thread; the hook closes what it returns. */
  T start(Supplier<T> startUp) {
    try {
      T value = startUp.get();
      started = value;
      return value;
    } finally {
      settled.countDown();
    }
  }

  /** What start-up returned has been closed by its user; the hook need not close it. */
  void closed() {
    started = null;
  }

  /** The hook. */
  void stop() {
    try {
      stopStarted();
    } finally {
      last.run();
    }
  }

  private void stopStarted() {
    try {
      if (!settled.await(startAbortWait.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("start-up did not stop within {} of the shutdown; stopping the embedded"
            + " PostgreSQL, if any, and exiting", startAbortWait);
        EmbeddedDatabase.stopAllInThisProcess();
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      EmbeddedDatabase.stopAllInThisProcess();
      return;
    }
    T value = started;
    if (value != null) {
      try {
        value.close();
      } catch (Exception e) {
        log.warn("stopping failed", e);
      }
    }
    // Whatever start-up opened and did not close (nothing, normally).
    EmbeddedDatabase.stopAllInThisProcess();
  }
}
