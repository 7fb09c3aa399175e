package dev.roster.server;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catches whatever a handler throws and closes the call with the status {@link ErrorTranslator}
 * makes of it, so handlers need no try/catch and no exception reaches the transport as UNKNOWN.
 */
public final class ErrorInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(ErrorInterceptor.class);

  private final BooleanSupplier databaseUp;

  /** Translates as if the database were up (for servers without a database probe). */
  public ErrorInterceptor() {
    this(() -> true);
  }

  /**
   * Translates knowing whether the database is up ({@code databaseUp}, a read that never blocks),
   * so database failures while it is down are UNAVAILABLE (see {@link ErrorTranslator}).
   */
  public ErrorInterceptor(BooleanSupplier databaseUp) {
    this.databaseUp = databaseUp;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException e) {
      close(call, e);
      return new ServerCall.Listener<>() {};
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        try {
          super.onMessage(message);
        } catch (RuntimeException e) {
          close(call, e);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } catch (RuntimeException e) {
          close(call, e);
        }
      }

      @Override
      public void onReady() {
        try {
          super.onReady();
        } catch (RuntimeException e) {
          close(call, e);
        }
      }
    };
  }

  private void close(ServerCall<?, ?> call, RuntimeException e) {
    StatusRuntimeException status = ErrorTranslator.translate(e,
        call.getMethodDescriptor().getFullMethodName(), databaseUp.getAsBoolean());
    try {
      call.close(status.getStatus(),
          status.getTrailers() == null ? new Metadata() : status.getTrailers());
    } catch (IllegalStateException alreadyClosed) {
      log.debug("call {} already closed when {} was thrown",
          call.getMethodDescriptor().getFullMethodName(), e.toString());
    }
  }
}
