package dev.roster.client;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RateLimiter;
import dev.failsafe.RetryPolicy;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * How every call is made: its deadline, credentials, compression, retries and error translation.
 * One instance per client, and one more per {@code withDeadline}/{@code withRetrySettings} view;
 * they share the channel, the retry budget and the scheduler.
 *
 * <p>Retries are Failsafe retry policies built per call from {@link RetrySettings}: only the
 * methods in {@link #IDEMPOTENT} are retried, on UNAVAILABLE, on UNKNOWN without server details
 * (a connection that closed under the call), on DEADLINE_EXCEEDED of an attempt cut short by the
 * attempt timeout while the call has time left, and, when asked for, on RESOURCE_EXHAUSTED that
 * carries a RetryInfo. Every retry takes a permit from the client's retry budget (a bursty Failsafe
 * rate limiter, so it refills every period instead of latching off); without one the last failure
 * is thrown. Before a retry after UNAVAILABLE the channel's reconnect backoff is reset, so a server
 * that is back is reached at once, not after gRPC's own backoff of up to two minutes.
 */
final class Calls {
  /** The methods that are safe to send twice: reads, and creates that carry a request_id. */
  static final Set<String> IDEMPOTENT = Set.of(
      "roster.accounts.v1.AccountsService/GetOrganization",
      "roster.accounts.v1.AccountsService/ListOrganizations",
      "roster.accounts.v1.AccountsService/CreateOrganization",
      "roster.accounts.v1.AccountsService/GetUser",
      "roster.accounts.v1.AccountsService/ListUsers",
      "roster.accounts.v1.AccountsService/BatchGetUsers",
      "roster.accounts.v1.AccountsService/LookupUser",
      "roster.accounts.v1.AccountsService/CreateUser",
      "roster.accounts.v1.ApiKeysService/GetApiKey",
      "roster.accounts.v1.ApiKeysService/ListApiKeys",
      "google.longrunning.Operations/GetOperation",
      "google.longrunning.Operations/ListOperations");

  private final Shared shared;
  private final RetrySettings override;
  private final Duration deadline;

  /** What every view of one client shares. */
  record Shared(Channel channel, ManagedChannel managed, CallCredentials credentials,
      boolean gzip, RetrySettings defaults, Map<String, RetrySettings> perMethod,
      RateLimiter<Object> budget, ScheduledExecutorService scheduler) {}

  Calls(Shared shared) {
    this(shared, null, null);
  }

  private Calls(Shared shared, RetrySettings override, Duration deadline) {
    this.shared = shared;
    this.override = override;
    this.deadline = deadline;
  }

  /** A view whose calls each end within {@code deadline}, retries included. */
  Calls withDeadline(Duration deadline) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive");
    }
    return new Calls(shared, override, deadline);
  }

  /** A view whose calls are all retried (if idempotent) with {@code settings}. */
  Calls withRetrySettings(RetrySettings settings) {
    return new Calls(shared, java.util.Objects.requireNonNull(settings), deadline);
  }

  /** The deadline of a call that is not retried. */
  Duration deadline() {
    RetrySettings s = override != null ? override : shared.defaults();
    return deadline != null ? deadline : min(s.attemptTimeout(), s.totalTimeout());
  }

  /**
   * A channel for the generated stubs that adds what the SDK adds: the key, gzip, and a deadline
   * when the call has none. It does not retry.
   */
  Channel decoratedChannel() {
    return ClientInterceptors.intercept(shared.channel(), new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
          CallOptions options, Channel next) {
        CallOptions o = options;
        if (o.getDeadline() == null) {
          o = o.withDeadlineAfter(deadline().toNanos(), TimeUnit.NANOSECONDS);
        }
        if (o.getCredentials() == null && shared.credentials() != null) {
          o = o.withCallCredentials(shared.credentials());
        }
        if (o.getCompressor() == null && shared.gzip()) {
          o = o.withCompression("gzip");
        }
        return next.newCall(method, o);
      }
    });
  }

  <Q, R> R unary(MethodDescriptor<Q, R> method, Q request) {
    Plan plan = plan(method);
    if (!plan.retried) {
      try {
        return ClientCalls.blockingUnaryCall(shared.channel(), method, options(plan.total), request);
      } catch (RuntimeException e) {
        throw Errors.translate(e);
      }
    }
    try {
      return Failsafe.with(plan.<R>policy()).get(ctx -> {
        Duration attempt = plan.beforeAttempt(ctx.getAttemptCount(), ctx.getLastException());
        try {
          return ClientCalls.blockingUnaryCall(shared.channel(), method, options(attempt), request);
        } catch (RuntimeException e) {
          throw plan.failed(Errors.translate(e), attempt);
        }
      });
    } catch (NoRetry e) {
      throw e.failure;
    } catch (FailsafeException e) {
      if (e.getCause() instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw Errors.translate(e.getCause() == null ? e : e.getCause());
    } catch (RuntimeException e) {
      throw Errors.translate(e);
    }
  }

  <Q, R> CompletableFuture<R> unaryAsync(MethodDescriptor<Q, R> method, Q request) {
    Plan plan = plan(method);
    CompletableFuture<R> result = new CompletableFuture<>();
    CompletableFuture<R> call;
    if (!plan.retried) {
      call = attemptAsync(method, request, plan.total, plan);
    } else {
      // Retries start on the scheduler's thread: each attempt runs in the caller's trace context,
      // so it carries the same traceparent as the first.
      io.opentelemetry.context.Context caller = io.opentelemetry.context.Context.current();
      call = Failsafe.with(plan.<R>policy()).with(shared.scheduler()).getStageAsync(ctx -> {
        try (io.opentelemetry.context.Scope ignored = caller.makeCurrent()) {
          return attemptAsync(method, request,
              plan.beforeAttempt(ctx.getAttemptCount(), ctx.getLastException()), plan);
        }
      });
    }
    call.whenComplete((value, failure) -> {
      if (failure == null) {
        result.complete(value);
      } else {
        Throwable t = Errors.unwrap(failure);
        result.completeExceptionally(t instanceof NoRetry n ? n.failure : Errors.translate(t));
      }
    });
    return result;
  }

  private <Q, R> CompletableFuture<R> attemptAsync(MethodDescriptor<Q, R> method, Q request,
      Duration attempt, Plan plan) {
    CompletableFuture<R> out = new CompletableFuture<>();
    io.grpc.stub.StreamObserver<R> observer = new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(R value) {
        out.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        out.completeExceptionally(plan.failed(Errors.translate(t), attempt));
      }

      @Override
      public void onCompleted() {
        if (!out.isDone()) {
          out.completeExceptionally(Errors.translate(
              Status.INTERNAL.withDescription("no response").asRuntimeException()));
        }
      }
    };
    try {
      ClientCalls.asyncUnaryCall(shared.channel().newCall(method, options(attempt)), request,
          observer);
    } catch (RuntimeException e) {
      out.completeExceptionally(Errors.translate(e));
    }
    return out;
  }

  /** A server-streaming call; not retried, and its deadline covers the whole stream. */
  <Q, R> Iterator<R> serverStreaming(MethodDescriptor<Q, R> method, Q request) {
    Iterator<R> stream;
    try {
      stream = ClientCalls.blockingServerStreamingCall(shared.channel(), method,
          options(deadline()), request);
    } catch (RuntimeException e) {
      throw Errors.translate(e);
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        try {
          return stream.hasNext();
        } catch (RuntimeException e) {
          throw Errors.translate(e);
        }
      }

      @Override
      public R next() {
        try {
          return stream.next();
        } catch (RuntimeException e) {
          throw Errors.translate(e);
        }
      }
    };
  }

  private CallOptions options(Duration attempt) {
    CallOptions o = CallOptions.DEFAULT.withDeadlineAfter(attempt.toNanos(), TimeUnit.NANOSECONDS);
    if (shared.credentials() != null) {
      o = o.withCallCredentials(shared.credentials());
    }
    return shared.gzip() ? o.withCompression("gzip") : o;
  }

  private Plan plan(MethodDescriptor<?, ?> method) {
    String full = method.getFullMethodName();
    RetrySettings s = override;
    if (s == null) {
      s = shared.perMethod().get(full);
    }
    if (s == null) {
      s = shared.perMethod().get(method.getBareMethodName());
    }
    if (s == null) {
      s = shared.defaults();
    }
    boolean retried = IDEMPOTENT.contains(full) && s.maxAttempts() != 1;
    Duration total = deadline != null ? deadline
        : retried ? s.totalTimeout() : min(s.attemptTimeout(), s.totalTimeout());
    return new Plan(s, retried, total);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** One call's retry state: when it must end, and whether its last attempt was cut short. */
  private final class Plan {
    final RetrySettings settings;
    final boolean retried;
    final Duration total;
    final long endNanos;
    volatile boolean lastAttemptCut;
    volatile boolean outOfTime;

    Plan(RetrySettings settings, boolean retried, Duration total) {
      this.settings = settings;
      this.retried = retried;
      this.total = total;
      this.endNanos = System.nanoTime() + total.toNanos();
    }

    <R> RetryPolicy<R> policy() {
      return RetryPolicy.<R>builder()
          .handleIf((result, failure) -> failure != null && retryable(failure))
          .withDelayFn(ctx -> delay(ctx.getAttemptCount(), ctx.getLastException()))
          .withMaxAttempts(settings.maxAttempts() == 0 ? -1 : settings.maxAttempts())
          .withMaxDuration(total)
          .build();
    }

    /**
     * Before attempt {@code done + 1}: the attempt's deadline, or the last failure when the call
     * is out of time or the retry budget is spent.
     */
    Duration beforeAttempt(int done, Throwable last) {
      long left = endNanos - System.nanoTime();
      if (done > 0) {
        RosterException previous = Errors.translate(last);
        if (left <= 0 || outOfTime || !shared.budget().tryAcquirePermit()) {
          throw new NoRetry(previous);
        }
        if (previous.code() == Status.Code.UNAVAILABLE && shared.managed() != null) {
          shared.managed().resetConnectBackoff();
        }
      }
      return Duration.ofNanos(Math.max(1, Math.min(left, settings.attemptTimeout().toNanos())));
    }

    RosterException failed(RosterException e, Duration attempt) {
      lastAttemptCut = e.code() == Status.Code.DEADLINE_EXCEEDED
          && endNanos - System.nanoTime() > 0 && attempt.compareTo(total) < 0;
      return e;
    }

    boolean retryable(Throwable failure) {
      if (!(failure instanceof RosterException e)) {
        return false;
      }
      return switch (e.code()) {
        case UNAVAILABLE -> true;
        case UNKNOWN -> e.reason().isEmpty() && !(e instanceof RequestTooLargeException);
        case DEADLINE_EXCEEDED -> lastAttemptCut;
        case RESOURCE_EXHAUSTED -> settings.retryRateLimited() && e instanceof RateLimitedException
            && e.retryDelay().toNanos() < endNanos - System.nanoTime();
        default -> false;
      };
    }

    Duration delay(int attempts, Throwable last) {
      Duration backoff = settings.delayBefore(Math.max(1, attempts));
      double spread = settings.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
      long nanos = (long) (backoff.toNanos() * (1 + spread));
      if (last instanceof RosterException e && e.retryDelay().toNanos() > nanos) {
        nanos = e.retryDelay().toNanos();
      }
      long left = endNanos - System.nanoTime();
      if (nanos >= left) {
        // the next attempt would start at the deadline: end the call with the last error now
        outOfTime = true;
        return Duration.ZERO;
      }
      return Duration.ofNanos(nanos);
    }
  }

  /** Ends a retried call with its last failure (no time or budget left). */
  private static final class NoRetry extends RuntimeException {
    final RosterException failure;

    NoRetry(RosterException failure) {
      super(failure.getMessage(), failure, false, false);
      this.failure = failure;
    }
  }
}
