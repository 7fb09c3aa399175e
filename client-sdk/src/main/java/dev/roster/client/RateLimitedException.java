package dev.roster.client;

/**
 * The API key (or organization) is over its rate limit or concurrency quota: wait
 * {@link #retryDelay()} before the next call (RESOURCE_EXHAUSTED with {@code google.rpc.RetryInfo}).
 * Retried by the SDK only when {@link RetrySettings#retryRateLimited()} is on.
 */
public final class RateLimitedException extends ResourceExhaustedException {
  RateLimitedException(String message, ErrorDetails details, Throwable cause) {
    super(message, details, cause);
  }
}
