package dev.roster.client;

import io.grpc.Status;
import java.time.Duration;
import java.util.Map;

/** The API key is over its rate limit; wait {@link #retryDelay()} (RESOURCE_EXHAUSTED). */
public final class RateLimitedException extends RosterException {
  private final Duration retryDelay;

  RateLimitedException(String reason, String message, Map<String, String> metadata,
      Duration retryDelay, Throwable cause) {
    super(Status.Code.RESOURCE_EXHAUSTED, reason, message, metadata, cause);
    this.retryDelay = retryDelay;
  }

  /** How long the server asks to wait before the next call (from google.rpc.RetryInfo). */
  public Duration retryDelay() {
    return retryDelay;
  }
}
