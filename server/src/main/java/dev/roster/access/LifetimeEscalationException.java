package dev.roster.access;

import dev.roster.platform.errors.PermissionDeniedException;
import java.time.Instant;
import java.util.Map;

/**
 * A key tried to grant a new key that expires after it does (PERMISSION_DENIED,
 * LIFETIME_ESCALATION); the metadata carries the caller's own expire time.
 */
public final class LifetimeEscalationException extends PermissionDeniedException {
  public LifetimeEscalationException(Instant ownExpireTime) {
    super("LIFETIME_ESCALATION", "this API key cannot grant a key that outlives it ("
        + ownExpireTime + ")", Map.of("expireTime", ownExpireTime.toString()));
  }
}
