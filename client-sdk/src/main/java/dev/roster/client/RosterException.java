package dev.roster.client;

import io.grpc.Status;
import java.util.Map;

/**
 * An error from Roster (or from reaching it). Every Roster error carries a stable {@link #reason()}
 * (the {@code google.rpc.ErrorInfo} reason, e.g. {@code HANDLE_TAKEN}) and its metadata; catch the
 * subclass for the kind of failure, and switch on the reason for the exact rule.
 *
 * <p>Subclasses by gRPC status: {@link NotFoundException}, {@link AlreadyExistsException},
 * {@link InvalidArgumentException}, {@link FailedPreconditionException},
 * {@link AbortedException} (and {@link EtagMismatchException}), {@link UnauthenticatedException},
 * {@link PermissionDeniedException}, {@link RateLimitedException}, {@link UnavailableException},
 * {@link DeadlineExceededException}; anything else is a plain {@code RosterException}.
 */
public class RosterException extends RuntimeException {
  private final Status.Code code;
  private final String reason;
  private final Map<String, String> metadata;

  RosterException(Status.Code code, String reason, String message, Map<String, String> metadata,
      Throwable cause) {
    super(message, cause);
    this.code = code;
    this.reason = reason;
    this.metadata = Map.copyOf(metadata);
  }

  /** The gRPC status code. */
  public Status.Code code() {
    return code;
  }

  /** The stable reason from {@code google.rpc.ErrorInfo}; empty when the server sent none. */
  public String reason() {
    return reason;
  }

  /** The ErrorInfo metadata, e.g. {@code {"field": "handle"}}. */
  public Map<String, String> metadata() {
    return metadata;
  }
}
