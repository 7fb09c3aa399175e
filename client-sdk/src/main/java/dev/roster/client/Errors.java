package dev.roster.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns gRPC failures into the SDK's typed exceptions, reading the google.rpc details. */
final class Errors {
  private Errors() {}

  /**
   * The typed exception for a {@code google.rpc.Status} that arrived inside a message (the
   * {@code error} of a done long-running operation), read exactly as a failed call's status.
   */
  static RosterException fromStatus(com.google.rpc.Status status) {
    return (RosterException) translate(StatusProto.toStatusRuntimeException(status));
  }

  static RuntimeException translate(Throwable failure) {
    if (failure instanceof RosterException already) {
      return already;
    }
    Status status = Status.fromThrowable(failure);
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    String reason = "";
    Map<String, String> metadata = Map.of();
    List<InvalidArgumentException.FieldViolation> violations = new ArrayList<>();
    Duration retryDelay = Duration.ZERO;
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        try {
          if (any.is(ErrorInfo.class)) {
            ErrorInfo info = any.unpack(ErrorInfo.class);
            reason = info.getReason();
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
          // a detail we cannot read does not hide the status itself
        }
      }
    }
    String message = status.getCode() + ": "
        + (status.getDescription() == null ? "" : status.getDescription());
    return switch (status.getCode()) {
      case NOT_FOUND -> new NotFoundException(reason, message, metadata, failure);
      case ALREADY_EXISTS -> new AlreadyExistsException(reason, message, metadata, failure);
      case INVALID_ARGUMENT -> new InvalidArgumentException(reason, message, metadata, violations, failure);
      case FAILED_PRECONDITION -> new FailedPreconditionException(reason, message, metadata, failure);
      case ABORTED -> "ETAG_MISMATCH".equals(reason)
          ? new EtagMismatchException(reason, message, metadata, failure)
          : new AbortedException(reason, message, metadata, failure);
      case UNAUTHENTICATED -> new UnauthenticatedException(reason, message, metadata, failure);
      case PERMISSION_DENIED -> new PermissionDeniedException(reason, message, metadata, failure);
      case RESOURCE_EXHAUSTED -> new RateLimitedException(reason, message, metadata, retryDelay, failure);
      case UNAVAILABLE -> new UnavailableException(reason, message, metadata, failure);
      case DEADLINE_EXCEEDED -> new DeadlineExceededException(reason, message, metadata, failure);
      default -> new RosterException(status.getCode(), reason, message, metadata, failure);
    };
  }
}
