package dev.roster.fairness;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * An attacker's traffic: either {@code concurrency} calls kept in flight (each answer sends the next
 * call), or calls sent at a fixed rate whatever the answers. Every answer goes to an
 * {@link AttackOutcomes}. After a refusal a slot waits {@code pauseAfterRefusal} before its next
 * call: an impolite client that ignores RetryInfo, but not one spinning a core of the shared test
 * machine. {@link #close} cancels whatever is still in flight.
 */
public final class Flood implements Running {
  private final LongFunction<ListenableFuture<?>> call;
  private final AttackOutcomes outcomes;
  private final Duration pauseAfterRefusal;
  private final ScheduledExecutorService scheduler;
  private final Set<ListenableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong sent = new AtomicLong();
  private volatile boolean stopped;

  private Flood(String name, LongFunction<ListenableFuture<?>> call, AttackOutcomes outcomes,
      Duration pauseAfterRefusal) {
    this.call = call;
    this.outcomes = outcomes;
    this.pauseAfterRefusal = pauseAfterRefusal;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "attack-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Keeps {@code concurrency} calls in flight; {@code call} gets the call's sequence number.
   */
  public static Flood closedLoop(String name, int concurrency, LongFunction<ListenableFuture<?>> call,
      AttackOutcomes outcomes, Duration pauseAfterRefusal) {
    Flood flood = new Flood(name, call, outcomes, pauseAfterRefusal);
    for (int i = 0; i < concurrency; i++) {
      flood.scheduler.execute(() -> flood.send(true));
    }
    return flood;
  }

  /** Sends {@code burst} calls at once, then {@code perSecond} calls a second. */
  public static Flood openLoop(String name, int burst, int perSecond,
      LongFunction<ListenableFuture<?>> call, AttackOutcomes outcomes) {
    Flood flood = new Flood(name, call, outcomes, Duration.ZERO);
    for (int i = 0; i < burst; i++) {
      flood.scheduler.execute(() -> flood.send(false));
    }
    flood.scheduler.scheduleAtFixedRate(() -> flood.send(false), 0, 1_000_000_000L / perSecond,
        TimeUnit.NANOSECONDS);
    return flood;
  }

  /** Calls sent so far. */
  public long sent() {
    return sent.get();
  }

  private void send(boolean again) {
    if (stopped) {
      return;
    }
    ListenableFuture<?> future;
    try {
      future = call.apply(sent.getAndIncrement());
    } catch (RuntimeException e) {
      outcomes.failed(e);
      if (again) {
        later(pauseAfterRefusal);
      }
      return;
    }
    inFlight.add(future);
    Futures.addCallback(future, new FutureCallback<Object>() {
      @Override
      public void onSuccess(Object result) {
        inFlight.remove(future);
        outcomes.ok();
        if (again) {
          later(Duration.ZERO);
        }
      }

      @Override
      public void onFailure(Throwable t) {
        inFlight.remove(future);
        outcomes.failed(t);
        if (again) {
          later(pauseAfterRefusal);
        }
      }
    }, MoreExecutors.directExecutor());
  }

  private void later(Duration delay) {
    try {
      scheduler.schedule(() -> send(true), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stoppedMeanwhile) {
      // close() ran between the answer and this: nothing more to send
    }
  }

  /** Stops sending and cancels the calls still in flight. */
  @Override
  public void close() throws InterruptedException {
    stopped = true;
    outcomes.stopping();
    scheduler.shutdownNow();
    scheduler.awaitTermination(5, TimeUnit.SECONDS);
    for (ListenableFuture<?> f : inFlight) {
      f.cancel(true);
    }
  }
}
