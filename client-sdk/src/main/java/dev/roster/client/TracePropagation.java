package dev.roster.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * Writes the caller's OpenTelemetry context ({@link Context#current()} where the call starts) into
 * each attempt's metadata with the client's propagators (W3C {@code traceparent} by default), so
 * the server's spans join the caller's trace. A header already there (another interceptor's) is
 * replaced, never duplicated.
 */
final class TracePropagation implements ClientInterceptor {
  private static final TextMapSetter<Metadata> SETTER = (headers, key, value) -> {
    Metadata.Key<String> k = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
    headers.removeAll(k);
    headers.put(k, value);
  };

  private final ContextPropagators propagators;

  TracePropagation(ContextPropagators propagators) {
    this.propagators = propagators;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
      Channel next) {
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        propagators.getTextMapPropagator().inject(Context.current(), headers, SETTER);
        super.start(listener, headers);
      }
    };
  }
}
