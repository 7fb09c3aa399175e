package dev.roster.server;

import com.google.common.util.concurrent.MoreExecutors;
import dev.roster.platform.db.CallScope;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Gives every call a deadline (the caller's, or {@code defaultDeadline} when it sent none, and never
 * more than {@code maxDeadline} away) and carries it to the database: the handler runs inside a
 * {@link CallScope}, so its statements time out with the call and are cancelled when the call is
 * cancelled or its deadline passes.
 */
public final class DeadlineInterceptor implements ServerInterceptor {
  private final Duration defaultDeadline;
  private final Duration maxDeadline;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "roster-deadlines");
    t.setDaemon(true);
    return t;
  });

  /** Deadlines default to {@code defaultDeadline}; a client's deadline is taken as it is. */
  public DeadlineInterceptor(Duration defaultDeadline) {
    this(defaultDeadline, Duration.ofNanos(Long.MAX_VALUE));
  }

  /**
   * Deadlines default to {@code defaultDeadline}, and a client deadline further away than
   * {@code maxDeadline} is lowered to it, so no call can hold its resources for longer.
   */
  public DeadlineInterceptor(Duration defaultDeadline, Duration maxDeadline) {
    this.defaultDeadline = defaultDeadline;
    this.maxDeadline = maxDeadline;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Deadline given = Context.current().getDeadline();
    Duration own = given == null ? defaultDeadline
        : given.timeRemaining(TimeUnit.NANOSECONDS) > maxDeadline.toNanos() ? maxDeadline : null;
    return intercept(own == null ? null
            : Context.current().withDeadlineAfter(own.toNanos(), TimeUnit.NANOSECONDS, timer),
        call, headers, next);
  }

  private <Q, R> ServerCall.Listener<Q> intercept(Context.CancellableContext own,
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Context context = own != null ? own : Context.current();
    Deadline deadline = context.getDeadline();
    ServerCall.Listener<Q> delegate;
    try {
      delegate = Contexts.interceptCall(context, call, headers, next);
    } catch (RuntimeException refused) {
      // Refused before it started (bad key, rate limit): drop its timer now, not at its deadline.
      if (own != null) {
        own.cancel(null);
      }
      throw refused;
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        inScope(() -> super.onMessage(message));
      }

      @Override
      public void onHalfClose() {
        inScope(super::onHalfClose);
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          release();
        }
      }

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          release();
        }
      }

      private void inScope(Runnable work) {
        try (CallScope scope = CallScope.open(deadline.timeRemaining(TimeUnit.NANOSECONDS))) {
          Context.CancellationListener cancel = c -> scope.cancel();
          // Cancellation fires on whatever thread cancels the context: a transport thread for a
          // client's cancel or RST_STREAM, a timer for a deadline, the stopping thread for
          // shutdownNow. Inline is fine because CallScope.cancel() only queues the cancel request
          // (a blocking round trip) on platform/db's bounded cancel threads; it never blocks.
          context.addListener(cancel, MoreExecutors.directExecutor());
          try {
            work.run();
          } finally {
            context.removeListener(cancel);
          }
        }
      }

      private void release() {
        if (own != null) {
          own.cancel(null);
        }
      }
    };
  }
}
