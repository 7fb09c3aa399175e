package dev.roster.client;

import java.time.Duration;

/**
 * How idempotent calls (Get, List, BatchGet, Lookup, and Create, which carries a request_id) are
 * retried on UNAVAILABLE: exponential backoff with jitter, done by gRPC from a service config, and
 * a retry budget so that a struggling server is not flooded with retries.
 *
 * @param maxAttempts attempts per call, including the first (2..5; gRPC caps at 5)
 * @param initialBackoff the first wait; later waits grow by {@code multiplier}, randomised
 * @param maxBackoff the longest wait between attempts
 * @param multiplier growth of the wait
 * @param budgetTokens retry budget size: retries stop while fewer than half remain
 * @param budgetTokenRatio tokens a success gives back (each failure takes one)
 */
public record RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
    double multiplier, int budgetTokens, double budgetTokenRatio) {

  /** 5 attempts, 200 ms growing by 2x up to 2 s; budget of 10 tokens, 0.1 back per success. */
  public static RetrySettings defaults() {
    return new RetrySettings(5, Duration.ofMillis(200), Duration.ofSeconds(2), 2.0, 10, 0.1);
  }

  /** No retries at all. */
  public static RetrySettings none() {
    return new RetrySettings(1, Duration.ofMillis(200), Duration.ofSeconds(2), 2.0, 10, 0.1);
  }

  public RetrySettings {
    if (maxAttempts < 1 || maxAttempts > 5) {
      throw new IllegalArgumentException("maxAttempts must be 1 to 5");
    }
  }
}
