package dev.roster.platform.errors;

import java.time.Duration;
import java.util.Map;

/**
 * The service cannot take the call now, through no fault of the caller; the same call may succeed
 * after {@link #retryDelay()}, here or on another replica (UNAVAILABLE).
 */
public abstract non-sealed class UnavailableException extends RosterException {
  private final Duration retryDelay;

  protected UnavailableException(String reason, String message, Duration retryDelay,
      Map<String, String> metadata) {
    super(reason, message, metadata);
    this.retryDelay = retryDelay;
  }

  public Duration retryDelay() {
    return retryDelay;
  }
}
