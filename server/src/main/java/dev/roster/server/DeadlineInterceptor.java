package dev.roster.server;

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
 * Gives every call a deadline (the caller's, or {@code defaultDeadline} when it sent none) and
 * carries it to the database: the handler runs inside a {@link CallScope}, so its statements time
 * out with the call and are cancelled when the call is cancelled or its deadline passes.
 */
public final class DeadlineInterceptor implements ServerInterceptor {
  private final Duration defaultDeadline;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "roster-deadlines");
    t.setDaemon(true);
    return t;
  });

  public DeadlineInterceptor(Duration defaultDeadline) {
    this.defaultDeadline = defaultDeadline;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Context.CancellableContext own = Context.current().getDeadline() == null
        ? Context.current().withDeadlineAfter(defaultDeadline.toNanos(), TimeUnit.NANOSECONDS, timer)
        : null;
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
          context.addListener(cancel, Runnable::run);
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
