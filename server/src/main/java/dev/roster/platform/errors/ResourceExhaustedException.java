package dev.roster.platform.errors;

import java.time.Duration;
import java.util.Map;

/** The caller used up a quota; it may retry after {@link #retryDelay()} (RESOURCE_EXHAUSTED). */
public abstract non-sealed class ResourceExhaustedException extends RosterException {
  private final Duration retryDelay;

  protected ResourceExhaustedException(String reason, String message, Duration retryDelay,
      Map<String, String> metadata) {
    super(reason, message, metadata);
    this.retryDelay = retryDelay;
  }

  public Duration retryDelay() {
    return retryDelay;
  }
}
