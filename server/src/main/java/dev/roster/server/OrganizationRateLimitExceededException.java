package dev.roster.server;

import dev.roster.access.RateLimit;
import dev.roster.platform.errors.ResourceExhaustedException;
import java.time.Duration;
import java.util.Map;

/**
 * All API keys of the caller's organization together used up the organization's rate limit on this
 * replica (RESOURCE_EXHAUSTED, ORGANIZATION_RATE_LIMIT_EXCEEDED), so minting more keys does not
 * multiply a tenant's rate; {@link #retryDelay()} is the wait until enough tokens are back.
 */
final class OrganizationRateLimitExceededException extends ResourceExhaustedException {
  OrganizationRateLimitExceededException(RateLimit limit, Duration wait) {
    super("ORGANIZATION_RATE_LIMIT_EXCEEDED", "rate limit of " + limit.perSecond()
            + " requests per second (burst " + limit.burst() + ") exceeded for this organization,"
            + " across all its API keys; retry after " + wait.toMillis() + " ms", wait,
        Map.of("limitPerSecond", Integer.toString(limit.perSecond()),
            "burst", Integer.toString(limit.burst())));
  }
}
