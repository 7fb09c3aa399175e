package dev.roster.observability;

import com.google.rpc.ErrorInfo;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Counts the calls the protections refuse, by reason. Every refusal (rate limits, bulkheads, pool
 * share, shedding, the auth brake, a bad or unknown key, the database gate) is decided in its own
 * place but leaves through the one translator with a stable {@code ErrorInfo} reason, so counting
 * at the close of the call sees them all and cannot miss a new one. Reasons are the server's own
 * constants; anything that does not look like one is counted as {@code OTHER}.
 */
final class Refusals implements ServerInterceptor {
  private static final Set<Status.Code> REFUSALS = EnumSet.of(
      Status.Code.UNAUTHENTICATED, Status.Code.RESOURCE_EXHAUSTED, Status.Code.UNAVAILABLE);
  private static final Pattern REASON = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  private static final AttributeKey<String> REASON_KEY = AttributeKey.stringKey("reason");
  private static final AttributeKey<String> CODE_KEY = AttributeKey.stringKey("grpc.status");

  private final LongCounter refused;

  Refusals(Meter meter) {
    refused = meter.counterBuilder("roster.calls.refused").setUnit("{call}")
        .setDescription("Calls refused by a protection or failed authentication, by ErrorInfo"
            + " reason and gRPC status")
        .build();
  }

  /** Whether a call that ended with {@code code} was refused rather than served (or failed). */
  static boolean isRefusal(Status.Code code) {
    return REFUSALS.contains(code);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (REFUSALS.contains(status.getCode())) {
          refused.add(1, Attributes.of(REASON_KEY, reason(status, trailers),
              CODE_KEY, status.getCode().name()));
        }
        super.close(status, trailers);
      }
    }, headers);
  }

  private static String reason(Status status, Metadata trailers) {
    try {
      com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
      for (com.google.protobuf.Any any : details.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          String reason = any.unpack(ErrorInfo.class).getReason();
          return REASON.matcher(reason).matches() ? reason : "OTHER";
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
      return "OTHER";
    }
    return "NONE";
  }
}
