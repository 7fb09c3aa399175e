package dev.roster.client;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Schedules {@link OperationFuture} polls on the client's timer (its daemon thread, shared with
 * retries, which the client shuts down); a poll only starts an asynchronous GetOperation, so the
 * timer never waits on the network. Closing it fails every future still polling, so that nobody
 * waits forever on a closed client.
 */
final class Poller implements AutoCloseable {
  private final ScheduledExecutorService timer;
  private final Set<OperationFuture<?, ?>> polling = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  Poller(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /** Runs {@code task} after {@code delay}; false if this poller (or the timer) is closed. */
  boolean schedule(Runnable task, Duration delay) {
    if (closed) {
      return false;
    }
    try {
      timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  void started(OperationFuture<?, ?> future) {
    polling.add(future);
    if (closed) {
      future.clientClosed();
    }
  }

  void finished(OperationFuture<?, ?> future) {
    polling.remove(future);
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    for (OperationFuture<?, ?> future : polling) {
      future.clientClosed();
    }
    polling.clear();
  }
}
