package dev.roster.server;

import dev.roster.platform.db.DatabaseAvailability;
import dev.roster.platform.db.DatabaseUnavailableException;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;

/**
 * Refuses calls at once while the database is known to be down ({@link DatabaseAvailability}, the
 * probe's verdict): UNAVAILABLE {@code DATABASE_UNAVAILABLE} with a RetryInfo, before
 * authentication (whose cache misses read the database), before the request is read and before
 * any handler runs, instead of letting each call wait for a connection toward its deadline. The
 * check is one volatile read, so it costs nothing while the database is up.
 *
 * <p>Install it as the outermost interceptor of every service whose calls need the database
 * (AccountsService, ApiKeysService, Operations); health and reflection are not behind it.
 */
public final class DatabaseGate implements ServerInterceptor {
  private final DatabaseAvailability availability;

  public DatabaseGate(DatabaseAvailability availability) {
    this.availability = availability;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (availability.up()) {
      return next.startCall(call, headers);
    }
    StatusRuntimeException refusal = ErrorTranslator.translate(
        DatabaseUnavailableException.knownDown(), call.getMethodDescriptor().getFullMethodName());
    call.close(refusal.getStatus(), refusal.getTrailers());
    return new ServerCall.Listener<>() {};
  }
}
