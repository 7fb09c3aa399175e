package dev.roster.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Gzips responses for callers that say they accept gzip ({@code grpc-accept-encoding}); others
 * get them uncompressed. Compressed requests are accepted by gRPC's default decompressors.
 */
public final class CompressionInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> ACCEPT_ENCODING =
      Metadata.Key.of("grpc-accept-encoding", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String accepted = headers.get(ACCEPT_ENCODING);
    if (accepted != null && acceptsGzip(accepted)) {
      call.setCompression("gzip");
    }
    return next.startCall(call, headers);
  }

  private static boolean acceptsGzip(String accepted) {
    for (String encoding : accepted.split(",")) {
      if (encoding.trim().equalsIgnoreCase("gzip")) {
        return true;
      }
    }
    return false;
  }
}
