package dev.roster.client;

import com.google.protobuf.Any;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An error from Roster (or from reaching it), the SDK's counterpart of gax's {@code ApiException}.
 * Every Roster error carries a stable {@link #reason()} (the {@code google.rpc.ErrorInfo} reason,
 * e.g. {@code HANDLE_TAKEN}), its {@link #domain()} and {@link #metadata()}; catch the subclass for
 * the kind of failure, and switch on the reason for the exact rule.
 *
 * <pre>{@code
 * try {
 *   roster.users().create(org, user);
 * } catch (AlreadyExistsException e) {
 *   if (e.reason().equals("HANDLE_TAKEN")) { ... }
 * }
 * }</pre>
 *
 * <p>There is one subclass per gRPC status: {@link NotFoundException},
 * {@link AlreadyExistsException}, {@link InvalidArgumentException},
 * {@link FailedPreconditionException}, {@link AbortedException} (and {@link EtagMismatchException}),
 * {@link UnauthenticatedException}, {@link PermissionDeniedException},
 * {@link ResourceExhaustedException} (and {@link RateLimitedException},
 * {@link RequestTooLargeException}), {@link UnavailableException}, {@link DeadlineExceededException},
 * {@link InternalException}, {@link UnknownException}, {@link CancelledException},
 * {@link DataLossException}, {@link OutOfRangeException} and {@link UnimplementedException}.
 */
public class RosterException extends RuntimeException {
  private final Status.Code code;
  private final ErrorDetails details;

  RosterException(Status.Code code, String message, ErrorDetails details, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.details = details;
  }

  /**
   * The gRPC status code.
   *
   * @return the code, never {@code OK}
   */
  public Status.Code code() {
    return code;
  }

  /**
   * The stable reason from {@code google.rpc.ErrorInfo}, e.g. {@code USER_NOT_FOUND}.
   *
   * @return the reason; empty when the server sent none (e.g. the connection failed)
   */
  public String reason() {
    return details.reason();
  }

  /**
   * The ErrorInfo domain, {@code roster.dev} for Roster's own errors.
   *
   * @return the domain, or empty
   */
  public String domain() {
    return details.domain();
  }

  /**
   * The ErrorInfo metadata, e.g. {@code {"field": "handle"}}.
   *
   * @return an unmodifiable map, possibly empty
   */
  public Map<String, String> metadata() {
    return details.metadata();
  }

  /**
   * How long the server asks to wait before trying again ({@code google.rpc.RetryInfo}).
   *
   * @return the delay, or zero when the server gave none
   */
  public Duration retryDelay() {
    return details.retryDelay();
  }

  /**
   * Whether the same call may succeed if sent again later: UNAVAILABLE, or any error for which the
   * server sent a retry delay (rate limits, a database that is briefly away). The SDK has already
   * retried idempotent calls before throwing; this tells the caller whether its own, larger retry
   * (e.g. of a whole job) makes sense.
   *
   * @return true if retrying later may help
   */
  public boolean isRetryable() {
    return code == Status.Code.UNAVAILABLE || !details.retryDelay().isZero();
  }

  /**
   * Every {@code google.rpc} detail the server sent, as received, for the ones this class does not
   * unpack (e.g. {@code DebugInfo}, {@code QuotaFailure}).
   *
   * @return the raw details, possibly empty
   */
  public List<Any> details() {
    return details.raw();
  }

  ErrorDetails errorDetails() {
    return details;
  }
}
