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
 * <p>It also lets handlers charge expensive calls extra rate-limit tokens ({@link Callers#charge}).
 */
public final class BulkheadInterceptor implements ServerInterceptor {
  private final int perKey;
  private final int perOrganization;
  private final RateLimiter rateLimiter;
  private final ConcurrencyCounter keys = new ConcurrencyCounter();
  private final ConcurrencyCounter organizations = new ConcurrencyCounter();

  /**
   * Allows {@code perKey} calls in flight per API key and {@code perOrganization} per
   * organization; {@link Callers#charge} takes from {@code rateLimiter}.
   */
  public BulkheadInterceptor(int perKey, int perOrganization, RateLimiter rateLimiter) {
    this.perKey = perKey;
    this.perOrganization = perOrganization;
    this.rateLimiter = rateLimiter;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Principal caller = Callers.principal();
    Place place = enter(caller);
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

  private Place enter(Principal caller) {
    UUID key = caller.keyId();
    if (!keys.tryAcquire(key, perKey)) {
      throw new ConcurrencyLimitExceededException("key", perKey);
    }
    UUID organization = caller.organizationId().orElse(null);
    if (organization != null && !organizations.tryAcquire(organization, perOrganization)) {
      keys.release(key);
      throw new ConcurrencyLimitExceededException("organization", perOrganization);
    }
    return new Place(key, organization);
  }

  /** One call's place in its bulkheads, given back once. */
  private final class Place {
    private final UUID key;
    private final UUID organization;
    private final AtomicBoolean left = new AtomicBoolean();

    Place(UUID key, UUID organization) {
      this.key = key;
      this.organization = organization;
    }

    void leave() {
      if (left.compareAndSet(false, true)) {
        keys.release(key);
        if (organization != null) {
          organizations.release(organization);
        }
      }
    }
  }
}
