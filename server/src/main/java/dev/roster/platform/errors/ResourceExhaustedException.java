package dev.roster.platform.errors;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The caller used up a quota or went over a hard limit (RESOURCE_EXHAUSTED). For a quota it may
 * retry after {@link #retryDelay()} (sent as RetryInfo); for a limit no wait helps (a message too
 * large stays too large), so there is no delay and no RetryInfo.
 */
public abstract non-sealed class ResourceExhaustedException extends RosterException {
  private final Duration retryDelay;

  protected ResourceExhaustedException(String reason, String message, Duration retryDelay,
      Map<String, String> metadata) {
    super(reason, message, metadata);
    this.retryDelay = java.util.Objects.requireNonNull(retryDelay, "retryDelay");
  }

  /** A hard limit: retrying the same request cannot succeed, so no RetryInfo is sent. */
  protected ResourceExhaustedException(String reason, String message,
      Map<String, String> metadata) {
    super(reason, message, metadata);
    this.retryDelay = null;
  }

  /** How long to wait before retrying; for a hard limit, {@link Duration#ZERO} (see {@link #retryAfter}). */
  public Duration retryDelay() {
    return retryDelay == null ? Duration.ZERO : retryDelay;
  }

  /** How long to wait before retrying, or empty when retrying the same request cannot help. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryDelay);
  }
}
