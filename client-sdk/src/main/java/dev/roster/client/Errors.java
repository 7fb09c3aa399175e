package dev.roster.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns gRPC failures into the SDK's typed exceptions, reading the google.rpc details. */
final class Errors {
  /** gRPC's own refusal of an oversized message (client or server side). */
  private static final String GRPC_TOO_LARGE = "exceeds maximum";

  private Errors() {}

  /** The typed exception for {@code failure}; a RosterException is returned as it is. */
  static RosterException translate(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof RosterException already) {
      return already;
    }
    if (!(t instanceof StatusRuntimeException) && !(t instanceof StatusException)) {
      // not from gRPC: a bug in a caller's interceptor or credentials provider, or an interrupt
      Status status = t instanceof InterruptedException
          ? Status.CANCELLED.withDescription("interrupted") : Status.UNKNOWN.withDescription(
              t.getClass().getSimpleName() + ": " + t.getMessage());
      return of(status, ErrorDetails.NONE, t);
    }
    return of(Status.fromThrowable(t), read(StatusProto.fromThrowable(t)), t);
  }

  /** The typed exception for a failed long-running operation's {@code google.rpc.Status}. */
  static RosterException translate(com.google.rpc.Status status) {
    Status grpc = Status.fromCodeValue(status.getCode()).withDescription(status.getMessage());
    return of(grpc, read(status), null);
  }

  static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static ErrorDetails read(com.google.rpc.Status status) {
    if (status == null) {
      return ErrorDetails.NONE;
    }
    String reason = "";
    String domain = "";
    Map<String, String> metadata = Map.of();
    Duration retryDelay = Duration.ZERO;
    List<InvalidArgumentException.FieldViolation> violations = new ArrayList<>();
    for (Any any : status.getDetailsList()) {
      try {
        if (any.is(ErrorInfo.class)) {
          ErrorInfo info = any.unpack(ErrorInfo.class);
          reason = info.getReason();
          domain = info.getDomain();
          metadata = info.getMetadataMap();
        } else if (any.is(BadRequest.class)) {
          for (var v : any.unpack(BadRequest.class).getFieldViolationsList()) {
            violations.add(new InvalidArgumentException.FieldViolation(
                v.getField(), v.getReason(), v.getDescription()));
          }
        } else if (any.is(RetryInfo.class)) {
          var delay = any.unpack(RetryInfo.class).getRetryDelay();
          retryDelay = Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
        }
      } catch (InvalidProtocolBufferException ignored) {
        // a detail we cannot read does not hide the status itself; it stays in the raw details
      }
    }
    return new ErrorDetails(reason, domain, metadata, retryDelay, violations,
        status.getDetailsList());
  }

  private static RosterException of(Status status, ErrorDetails d, Throwable cause) {
    String description = status.getDescription() == null ? "" : status.getDescription();
    String message = status.getCode() + ": " + description;
    boolean tooLarge = "MESSAGE_TOO_LARGE".equals(d.reason())
        || (d.reason().isEmpty() && description.contains(GRPC_TOO_LARGE));
    return switch (status.getCode()) {
      case NOT_FOUND -> new NotFoundException(message, d, cause);
      case ALREADY_EXISTS -> new AlreadyExistsException(message, d, cause);
      case INVALID_ARGUMENT -> new InvalidArgumentException(message, d, cause);
      case FAILED_PRECONDITION -> new FailedPreconditionException(message, d, cause);
      case ABORTED -> "ETAG_MISMATCH".equals(d.reason())
          ? new EtagMismatchException(message, d, cause)
          : new AbortedException(message, d, cause);
      case UNAUTHENTICATED -> new UnauthenticatedException(message, d, cause);
      case PERMISSION_DENIED -> new PermissionDeniedException(message, d, cause);
      case RESOURCE_EXHAUSTED -> tooLarge ? new RequestTooLargeException(message, d, cause)
          : d.retryDelay().isZero() ? new ResourceExhaustedException(message, d, cause)
          : new RateLimitedException(message, d, cause);
      case UNAVAILABLE -> new UnavailableException(message, d, cause);
      case DEADLINE_EXCEEDED -> new DeadlineExceededException(message, d, cause);
      case INTERNAL -> new InternalException(message, d, cause);
      case CANCELLED -> new CancelledException(message, d, cause);
      case DATA_LOSS -> new DataLossException(message, d, cause);
      case OUT_OF_RANGE -> new OutOfRangeException(message, d, cause);
      case UNIMPLEMENTED -> new UnimplementedException(message, d, cause);
      case UNKNOWN -> tooLarge ? new RequestTooLargeException(message, d, cause)
          : new UnknownException(message, d, cause);
      default -> new RosterException(status.getCode(), message, d, cause);
    };
  }
}
