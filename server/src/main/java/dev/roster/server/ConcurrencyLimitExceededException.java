package dev.roster.server;

import dev.roster.platform.errors.ResourceExhaustedException;
import java.time.Duration;
import java.util.Map;

/**
 * The caller's API key, or its organization, already has as many calls running as it may
 * (RESOURCE_EXHAUSTED, CONCURRENCY_LIMIT_EXCEEDED; metadata {@code scope} is {@code key} or
 * {@code organization}, {@code limit} the number). Retrying once one of its own calls has ended
 * succeeds; other tenants are not affected.
 */
final class ConcurrencyLimitExceededException extends ResourceExhaustedException {
  static final Duration RETRY_DELAY = Duration.ofMillis(100);

  ConcurrencyLimitExceededException(String scope, int limit) {
    super("CONCURRENCY_LIMIT_EXCEEDED", "this " + (scope.equals("key") ? "API key" : "organization")
            + " already has " + limit + " calls in flight, its limit; retry when one has ended",
        RETRY_DELAY, Map.of("scope", scope, "limit", Integer.toString(limit)));
  }
}
