package dev.roster.client;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client's timer for {@link OperationFuture} polls: one daemon thread, started at the first
 * poll, that only starts the (asynchronous) GetOperation calls, so it never waits on the network.
 * Closing it fails every future still polling, so that nobody waits forever on a closed client.
 */
final class Poller implements AutoCloseable {
  private static final AtomicInteger CLIENTS = new AtomicInteger();

  private final ScheduledThreadPoolExecutor timer;
  private final Set<OperationFuture<?, ?>> polling = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  Poller() {
    String name = "roster-operations-" + CLIENTS.incrementAndGet();
    this.timer = new ScheduledThreadPoolExecutor(1, task -> {
      Thread t = new Thread(task, name);
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
  }

  /** Runs {@code task} after {@code delay}; false if this poller is closed. */
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
    timer.shutdownNow();
    for (OperationFuture<?, ?> future : polling) {
      future.clientClosed();
    }
    polling.clear();
  }
}
