package dev.roster.access;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * An API key as stored (never its secret).
 *
 * @param organizationId the organization it acts for; empty for a platform-admin key
 * @param id server-chosen id, also embedded in the secret
 * @param displayName what it is for
 * @param scopes what it may do (every scope for platform-admin keys)
 * @param keyPrefix the start of the secret, safe to show
 * @param createTime when it was created
 * @param expireTime when it stops working, if ever
 * @param revokeTime when it was revoked, if it was
 * @param rateLimit its own rate limit, if it has one
 */
public record ApiKey(
    Optional<UUID> organizationId,
    UUID id,
    String displayName,
    Set<Scope> scopes,
    String keyPrefix,
    Instant createTime,
    Optional<Instant> expireTime,
    Optional<Instant> revokeTime,
    Optional<RateLimit> rateLimit) {

  public boolean isAdmin() {
    return organizationId.isEmpty();
  }
}
