package dev.roster.server;

import dev.roster.access.ApiKeyMalformedException;
import dev.roster.access.ApiKeyMissingException;
import dev.roster.access.Principal;
import dev.roster.platform.db.CallScope;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call with its {@code authorization: Bearer <api key>} header, applies the
 * key's rate limit, and makes the caller available to handlers ({@link Callers}). Installed on
 * Roster's own services only: health and reflection stay open for probes and tooling.
 */
public final class AuthInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(AuthInterceptor.class);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  private final RateLimiter rateLimiter;
  private final AuthBrake brake;
  private final ClientAddress clientAddress;

  /**
   * Authenticates through {@code brake}, which charges failures to the client's address group as
   * {@code clientAddress} tells it, then applies {@code rateLimiter}.
   */
  public AuthInterceptor(AuthBrake brake, ClientAddress clientAddress, RateLimiter rateLimiter) {
    this.brake = brake;
    this.clientAddress = clientAddress;
    this.rateLimiter = rateLimiter;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Principal principal;
    String client = clientAddress.groupOf(call, headers);
    // The key lookup is database work too: bound it by the call's deadline (set by the outer
    // DeadlineInterceptor, which has already attached it to the current context).
    Deadline deadline = Context.current().getDeadline();
    try (CallScope scope = CallScope.open(deadline == null
        ? TimeUnit.SECONDS.toNanos(10) : deadline.timeRemaining(TimeUnit.NANOSECONDS))) {
      principal = brake.authenticate(client, () -> bearer(headers));
    }
    Callers.identified(principal);
    CallLogging.authenticated(principal);
    rateLimiter.acquire(principal);
    Callers.Call caller = new Callers.Call(principal);
    Context context = Context.current().withValue(Callers.CALL, caller);
    ServerCall<Q, R> guarded = new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        if (!caller.checked) {
          // A handler that forgot its permission check must not leak data: fail closed.
          log.error("{} answered without a permission check; response withheld",
              call.getMethodDescriptor().getFullMethodName());
          throw new IllegalStateException("handler made no permission check");
        }
        super.sendMessage(message);
      }
    };
    return Contexts.interceptCall(context, guarded, headers, next);
  }

  private static String bearer(Metadata headers) {
    String value = headers.get(AUTHORIZATION);
    if (value == null || value.isBlank()) {
      throw new ApiKeyMissingException();
    }
    if (!value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new ApiKeyMalformedException("the authorization header must be \"Bearer <key>\"");
    }
    return value.substring(BEARER.length()).trim();
  }

}
