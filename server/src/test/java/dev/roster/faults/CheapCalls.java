package dev.roster.faults;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.User;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A trickle of cheap calls: GetUser of existing users (one primary-key read each), one every
 * {@code period}, each with its own deadline. Open loop: a call is sent on schedule whether or not
 * the earlier ones have answered, so a stalled server shows up as latency, not as fewer calls.
 */
final class CheapCalls implements AutoCloseable {
  private final AccountsServiceGrpc.AccountsServiceFutureStub stub;
  private final List<String> users;
  private final Duration deadline;
  private final Answers answers = new Answers();
  private final Phaser inFlight = new Phaser(1);
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fault-cheap-calls");
    t.setDaemon(true);
    return t;
  });
  private long sent;

  CheapCalls(Channel channel, CallCredentials credentials, List<String> users, Duration period,
      Duration deadline) {
    this.stub = AccountsServiceGrpc.newFutureStub(channel).withCallCredentials(credentials);
    this.users = users;
    this.deadline = deadline;
    ticker.scheduleAtFixedRate(this::send, 0, period.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void send() {
    String user = users.get((int) (sent++ % users.size()));
    inFlight.register();
    long start = System.nanoTime();
    var call = stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .getUser(GetUserRequest.newBuilder().setName(user).build());
    Futures.addCallback(call, new FutureCallback<User>() {
      @Override
      public void onSuccess(User result) {
        answers.ok(start);
        inFlight.arriveAndDeregister();
      }

      @Override
      public void onFailure(Throwable t) {
        answers.failed(start, t);
        inFlight.arriveAndDeregister();
      }
    }, MoreExecutors.directExecutor());
  }

  Answers answers() {
    return answers;
  }

  /** Stops sending and waits for the calls in flight to answer (each has its deadline). */
  @Override
  public void close() throws InterruptedException {
    ticker.shutdownNow();
    ticker.awaitTermination(5, TimeUnit.SECONDS);
    try {
      inFlight.awaitAdvanceInterruptibly(inFlight.arrive(),
          deadline.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cheap calls neither answered nor timed out", e);
    }
  }
}
