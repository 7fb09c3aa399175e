package dev.roster.fairness;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.GetUserRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A well-behaved tenant: GetOrganization and GetUser, alternating, at a steady rate, each with its
 * own deadline. The load is open-loop (a call is sent on schedule whether or not the previous ones
 * have answered), so a slow server shows up as latency rather than as fewer calls.
 */
public final class VictimLoad {
  private final ManagedChannel channel;
  private final Tenant victim;
  private final int callsPerSecond;
  private final Duration deadline;

  /**
   * @param channel the victim's own channel
   * @param callsPerSecond calls per second, both methods together
   * @param deadline each call's deadline
   */
  public VictimLoad(ManagedChannel channel, Tenant victim, int callsPerSecond, Duration deadline) {
    this.channel = channel;
    this.victim = victim;
    this.callsPerSecond = callsPerSecond;
    this.deadline = deadline;
  }

  /** Sends calls for {@code duration}, then waits for every answer (at most one deadline more). */
  public Latencies run(Duration duration) throws InterruptedException {
    var stub = AccountsServiceGrpc.newFutureStub(channel).withCallCredentials(victim.credentials());
    int calls = (int) Math.max(1, duration.toMillis() * callsPerSecond / 1000);
    CountDownLatch answered = new CountDownLatch(calls);
    ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Status> errors = new ConcurrentLinkedQueue<>();
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "victim-ticker");
      t.setDaemon(true);
      return t;
    });
    long periodNanos = 1_000_000_000L / callsPerSecond;
    int[] sent = {0};
    try {
      ticker.scheduleAtFixedRate(() -> {
        if (sent[0] >= calls) {
          return;
        }
        int i = sent[0]++;
        var timed = stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
        long start = System.nanoTime();
        ListenableFuture<?> call = i % 2 == 0
            ? timed.getOrganization(GetOrganizationRequest.newBuilder()
                .setName(victim.organization()).build())
            : timed.getUser(GetUserRequest.newBuilder()
                .setName(victim.users().get(i / 2 % victim.users().size())).build());
        Futures.addCallback(call, new FutureCallback<Object>() {
          @Override
          public void onSuccess(Object result) {
            nanos.add(System.nanoTime() - start);
            answered.countDown();
          }

          @Override
          public void onFailure(Throwable t) {
            nanos.add(System.nanoTime() - start);
            errors.add(Status.fromThrowable(t));
            answered.countDown();
          }
        }, MoreExecutors.directExecutor());
      }, 0, periodNanos, TimeUnit.NANOSECONDS);
      if (!answered.await(duration.plus(deadline).plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("victim calls neither answered nor timed out");
      }
    } finally {
      ticker.shutdownNow();
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    }
    return Latencies.of(new ArrayList<>(nanos), new ArrayList<>(errors), deadline);
  }

  /**
   * What the victim saw.
   *
   * @param calls calls sent
   * @param errors failed calls by status code
   * @param firstErrors up to five failures, for the message of a failing test
   * @param p50Millis median latency of all calls
   * @param p99Millis 99th percentile latency
   * @param maxMillis slowest call
   * @param deadline each call's deadline
   */
  public record Latencies(int calls, Map<Status.Code, Integer> errors, List<String> firstErrors,
      double p50Millis, double p99Millis, double maxMillis, Duration deadline) {
    static Latencies of(List<Long> nanos, List<Status> failed, Duration deadline) {
      long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
      Map<Status.Code, Integer> errors = new EnumMap<>(Status.Code.class);
      failed.forEach(s -> errors.merge(s.getCode(), 1, Integer::sum));
      List<String> first = failed.stream().limit(5).map(Status::toString).toList();
      return new Latencies(sorted.length, Collections.unmodifiableMap(errors), first,
          percentile(sorted, 0.50), percentile(sorted, 0.99),
          sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6, deadline);
    }

    private static double percentile(long[] sorted, double p) {
      if (sorted.length == 0) {
        return 0;
      }
      int index = (int) Math.ceil(p * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    public int errorCount() {
      return errors.values().stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public String toString() {
      return String.format("%d calls, p50 %.1f ms, p99 %.1f ms, max %.1f ms, errors %s%s", calls,
          p50Millis, p99Millis, maxMillis, errors, firstErrors.isEmpty() ? "" : " " + firstErrors);
    }
  }
}
