package dev.roster.server;

import dev.roster.access.RateLimit;
import dev.roster.platform.errors.ResourceExhaustedException;
import java.time.Duration;
import java.util.Map;

/**
 * The caller's API key used up its rate limit on this replica (RESOURCE_EXHAUSTED,
 * RATE_LIMIT_EXCEEDED); {@link #retryDelay()} is the wait until a token is back.
 */
final class RateLimitExceededException extends ResourceExhaustedException {
  RateLimitExceededException(RateLimit limit, Duration wait) {
    super("RATE_LIMIT_EXCEEDED", "rate limit of " + limit.perSecond() + " requests per second"
            + " (burst " + limit.burst() + ") exceeded for this API key; retry after "
            + wait.toMillis() + " ms", wait,
        Map.of("limitPerSecond", Integer.toString(limit.perSecond()),
            "burst", Integer.toString(limit.burst())));
  }
}
