package dev.roster.faults;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Polls grpc.health.v1.Health/Check (service "") every 100 ms with a 1 s deadline, as a load
 * balancer would, and records each change of what it sees: {@code SERVING}, {@code NOT_SERVING},
 * or, when the check itself fails, {@code ERROR:<code>}.
 */
final class HealthWatch implements AutoCloseable {
  static final String SERVING = "SERVING";
  static final String NOT_SERVING = "NOT_SERVING";

  /** What the watcher saw from {@code at} on. */
  record Change(long at, String state) {}

  private final HealthGrpc.HealthBlockingStub stub;
  private final List<Change> changes = new ArrayList<>();
  private final Thread thread;
  private volatile boolean stopped;

  HealthWatch(Channel channel) {
    this.stub = HealthGrpc.newBlockingStub(channel);
    this.thread = new Thread(this::watch, "fault-health-watch");
    thread.setDaemon(true);
    thread.start();
  }

  private void watch() {
    String last = null;
    while (!stopped) {
      long start = System.nanoTime();
      String state;
      try {
        state = stub.withDeadlineAfter(1, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus().name();
      } catch (StatusRuntimeException e) {
        if (stopped) {
          return; // the check was interrupted by close(), not answered
        }
        state = "ERROR:" + e.getStatus().getCode();
      }
      if (!state.equals(last)) {
        synchronized (changes) {
          changes.add(new Change(start, state));
        }
        last = state;
      }
      long left = 100 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      if (left > 0) {
        try {
          Thread.sleep(left);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  List<Change> changes() {
    synchronized (changes) {
      return List.copyOf(changes);
    }
  }

  /** When the watcher first saw a state matching {@code state} at or after {@code from}. */
  OptionalLong firstAfter(long from, Predicate<String> state) {
    return changes().stream().filter(c -> c.at() >= from && state.test(c.state()))
        .mapToLong(Change::at).min();
  }

  /** Whether any state seen during [from, to] (including the one current at {@code from}) matches. */
  boolean anyDuring(long from, long to, Predicate<String> state) {
    List<Change> all = changes();
    for (int i = 0; i < all.size(); i++) {
      long begin = all.get(i).at();
      long end = i + 1 < all.size() ? all.get(i + 1).at() : Long.MAX_VALUE;
      if (end >= from && begin <= to && state.test(all.get(i).state())) {
        return true;
      }
    }
    return false;
  }

  /** The current state, or "" before the first check. */
  String current() {
    List<Change> all = changes();
    return all.isEmpty() ? "" : all.get(all.size() - 1).state();
  }

  /** Changes relative to {@code origin}, in ms, for the summary line. */
  String describe(long origin) {
    StringBuilder out = new StringBuilder();
    for (Change c : changes()) {
      out.append(out.length() == 0 ? "" : ",").append(c.state()).append('@')
          .append((c.at() - origin) / 1_000_000).append("ms");
    }
    return out.toString();
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.interrupt();
    thread.join(5_000);
  }
}
