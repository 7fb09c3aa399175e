package dev.roster.access;

import dev.roster.platform.errors.PermissionDeniedException;
import java.util.Map;

/**
 * A key tried to grant a new key a higher rate limit or burst than its own (PERMISSION_DENIED,
 * RATE_LIMIT_ESCALATION); the metadata carries the caller's own limit.
 */
public final class RateLimitEscalationException extends PermissionDeniedException {
  public RateLimitEscalationException(RateLimit own) {
    super("RATE_LIMIT_ESCALATION", "this API key cannot grant a rate limit above its own ("
            + own.perSecond() + "/s, burst " + own.burst() + ")",
        Map.of("limitPerSecond", Integer.toString(own.perSecond()),
            "burst", Integer.toString(own.burst())));
  }
}
