package dev.roster.server;

import dev.roster.access.Principal;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.UUID;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bulkheads per API key and per organization: how many calls each may have in flight at once,
 * checked right after authentication (install it just inside {@link AuthInterceptor}). Beyond its
 * share a call is refused at once with RESOURCE_EXHAUSTED ({@link
 * ConcurrencyLimitExceededException}, with a RetryInfo), so one tenant cannot hold more than its
 * share of call threads or, since a call holds at most one connection at a time, of the database
 * pool. Platform-admin keys belong to no organization and count per key only.
 *
 * <p>A call holds its place until it is answered, its handler has returned the call thread, or it
 * ends, whichever comes first, and gives it back exactly once. A WaitOperation whose handler has handed
 * the waiting to the wait scheduler therefore holds no place (it holds no thread and no
 * connection); {@code ROSTER_MAX_WAITS_PER_KEY} bounds those instead.
 *
 * <p>A third bulkhead is per cost class and shared by everyone: calls other than by-key reads
 * (writes, lists, batch reads, exports, key management: anything but {@code Get*},
 * {@code Lookup*} and {@code WaitOperation}) may hold at most {@code expensiveCalls} places at
 * once, so that however many of them block (on a row lock, a slow list), the API pool keeps
 * {@code ROSTER_DATABASE_READ_RESERVE} connections for the cheap reads. An expensive call that
 * finds the share taken waits for a place as it would for a connection, at most
 * {@code expensiveWait} (the pool's acquire timeout), so a burst of fast writes passes; then it is
 * refused with UNAVAILABLE ({@link PoolShareExhaustedException}: DATABASE_POOL_EXHAUSTED and a
 * RetryInfo).
 *
 * <p>It also lets handlers charge expensive calls extra rate-limit tokens ({@link Callers#charge}).
 */
public final class BulkheadInterceptor implements ServerInterceptor {
  private final int perKey;
  private final int perOrganization;
  private final RateLimiter rateLimiter;
  private final ConcurrencyCounter keys = new ConcurrencyCounter();
  private final ConcurrencyCounter organizations = new ConcurrencyCounter();
  private final int expensiveCalls;
  private final long expensiveWaitNanos;
  private final Semaphore expensive;

  /**
   * Allows {@code perKey} calls in flight per API key and {@code perOrganization} per
   * organization, and no limit per cost class; {@link Callers#charge} takes from
   * {@code rateLimiter}.
   */
  public BulkheadInterceptor(int perKey, int perOrganization, RateLimiter rateLimiter) {
    this(perKey, perOrganization, Integer.MAX_VALUE, Duration.ZERO, rateLimiter);
  }

  /**
   * As {@link #BulkheadInterceptor(int, int, RateLimiter)}, and at most {@code expensiveCalls}
   * calls that are not by-key reads in flight at once in this process; one more waits up to
   * {@code expensiveWait} for a place (on its call thread, as it would for a connection).
   */
  public BulkheadInterceptor(int perKey, int perOrganization, int expensiveCalls,
      Duration expensiveWait, RateLimiter rateLimiter) {
    if (expensiveCalls < 1) {
      throw new IllegalArgumentException("expensiveCalls must be at least 1");
    }
    this.perKey = perKey;
    this.perOrganization = perOrganization;
    this.rateLimiter = rateLimiter;
    this.expensiveCalls = expensiveCalls;
    this.expensiveWaitNanos = expensiveWait.toNanos();
    this.expensive = new Semaphore(expensiveCalls);
  }

  /**
   * Whether {@code methodName} (a bare gRPC method name) reads by key: one row (or a few) by
   * primary or unique key, the cheap calls the pool's reserve is kept for. Resource-oriented
   * naming makes this a property of the name ({@code GetUser}, {@code LookupUser}); WaitOperation
   * re-reads one operation and holds no connection while it waits.
   */
  static boolean readsByKey(String methodName) {
    return methodName != null && (methodName.startsWith("Get") || methodName.startsWith("Lookup")
        || methodName.equals("WaitOperation"));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Principal caller = Callers.principal();
    Place place = enter(caller, !readsByKey(call.getMethodDescriptor().getBareMethodName()));
    Context context = Context.current().withValue(Callers.CHARGE,
        tokens -> rateLimiter.charge(caller, tokens));
    // Given back before the answer leaves, so a client that calls again as soon as it has its
    // answer never finds its own finished call still holding the place.
    ServerCall<Q, R> releasing = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        place.leave();
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> delegate;
    try {
      delegate = Contexts.interceptCall(context, releasing, headers, next);
    } catch (RuntimeException | Error e) {
      place.leave();
      throw e;
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } finally {
          // The handler has given the call thread back (answered, failed, or gone asynchronous).
          place.leave();
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          place.leave();
        }
      }

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          place.leave();
        }
      }
    };
  }

  private Place enter(Principal caller, boolean costly) {
    UUID key = caller.keyId();
    if (!keys.tryAcquire(key, perKey)) {
      throw new ConcurrencyLimitExceededException("key", perKey);
    }
    UUID organization = caller.organizationId().orElse(null);
    if (organization != null && !organizations.tryAcquire(organization, perOrganization)) {
      keys.release(key);
      throw new ConcurrencyLimitExceededException("organization", perOrganization);
    }
    // Last: a call its tenant's limits refuse never takes a shared place, even for a moment.
    if (costly && !enterExpensive()) {
      keys.release(key);
      if (organization != null) {
        organizations.release(organization);
      }
      throw new PoolShareExhaustedException(expensiveCalls);
    }
    return new Place(key, organization, costly);
  }

  private boolean enterExpensive() {
    if (expensive.tryAcquire()) {
      return true;
    }
    try {
      return expensive.tryAcquire(expensiveWaitNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Expensive calls in flight now (for tests and metrics). */
  public int expensiveInFlight() {
    return expensiveCalls - expensive.availablePermits();
  }

  /** One call's place in its bulkheads, given back once. */
  private final class Place {
    private final UUID key;
    private final UUID organization;
    private final boolean costly;
    private final AtomicBoolean left = new AtomicBoolean();

    Place(UUID key, UUID organization, boolean costly) {
      this.key = key;
      this.organization = organization;
      this.costly = costly;
    }

    void leave() {
      if (left.compareAndSet(false, true)) {
        keys.release(key);
        if (organization != null) {
          organizations.release(organization);
        }
        if (costly) {
          expensive.release();
        }
      }
    }
  }
}
