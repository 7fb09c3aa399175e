package dev.roster.platform.errors;

import java.util.Map;

/**
 * Base of every error a Roster context throws on purpose. Each concrete rule has its own subclass
 * (for example {@code UserNotFoundException}); the subclass's category (this class's direct
 * subclasses) decides the gRPC status, and {@link #reason()} is the stable machine-readable reason
 * callers see in {@code google.rpc.ErrorInfo}.
 *
 * <p>The categories are sealed: each one needs a status in the error translator, and a test walks
 * this list to prove it has one. The categories themselves are open, so each context adds its
 * rules under them.
 */
public abstract sealed class RosterException extends RuntimeException
    permits AbortedException, AlreadyExistsException, DeadlineExceededException,
        FailedPreconditionException, InvalidArgumentException, NotFoundException,
        PermissionDeniedException, ResourceExhaustedException, UnauthenticatedException,
        UnavailableException {
  private final String reason;
  private final Map<String, String> metadata;

  protected RosterException(String reason, String message, Map<String, String> metadata) {
    super(message, null, false, false);
    this.reason = reason;
    this.metadata = Map.copyOf(metadata);
  }

  /** Stable UPPER_SNAKE_CASE reason, part of the API contract. */
  public String reason() {
    return reason;
  }

  /** Extra facts about the error (lowerCamelCase keys), for ErrorInfo metadata. */
  public Map<String, String> metadata() {
    return metadata;
  }
}
