package dev.roster.access;

import dev.roster.platform.errors.PermissionDeniedException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Who is calling: an authenticated API key, and what it may do. The checks run before anything is
 * read, so a key gets the same answer for another tenant's resource whether it exists or not
 * (AIP-211).
 *
 * @param keyId the key's id
 * @param organizationId the organization the key acts for; empty for a platform admin
 * @param scopes what the key may do
 * @param rateLimit the key's own rate limit, if it has one
 * @param expireTime when the key stops working, if ever
 */
public record Principal(UUID keyId, Optional<UUID> organizationId, Set<Scope> scopes,
    Optional<RateLimit> rateLimit, Optional<java.time.Instant> expireTime) {

  public boolean isAdmin() {
    return organizationId.isEmpty();
  }

  /**
   * Allows acting on {@code organizationId} with {@code scope}.
   *
   * @throws PermissionDeniedException TENANT_FORBIDDEN for another organization, SCOPE_REQUIRED
   *     when the key lacks the scope
   */
  public void require(UUID organizationId, Scope scope) {
    if (isAdmin()) {
      return;
    }
    if (!this.organizationId.get().equals(organizationId)) {
      throw new PermissionDeniedException("TENANT_FORBIDDEN", "this API key may not access"
          + " organizations/" + organizationId, Map.of("resource", "organizations/" + organizationId));
    }
    if (!scopes.contains(scope)) {
      throw new PermissionDeniedException("SCOPE_REQUIRED", "this API key lacks the scope "
          + scope + " needed here", Map.of("scope", scope.name()));
    }
  }

  /**
   * What this caller may hand out as a new key: no scope it lacks itself, no higher rate limit
   * than its own ({@code defaultLimit} when it has none of its own), and no longer life; a
   * missing limit or expiry is filled in with the caller's. Platform admins are not bound.
   *
   * @throws PermissionDeniedException SCOPE_ESCALATION, RATE_LIMIT_ESCALATION or
   *     LIFETIME_ESCALATION
   */
  public NewApiKey bound(NewApiKey wanted, RateLimit defaultLimit) {
    if (isAdmin()) {
      return wanted;
    }
    requireScopes(wanted.scopes());
    RateLimit own = rateLimit.orElse(defaultLimit);
    // No limit asked for: the new key gets the caller's own (or, like it, the server default).
    Optional<RateLimit> granted = wanted.rateLimit().isPresent() ? wanted.rateLimit() : rateLimit;
    RateLimit limit = granted.orElse(own);
    if (limit.perSecond() > own.perSecond() || limit.burst() > own.burst()) {
      throw new PermissionDeniedException("RATE_LIMIT_ESCALATION", "this API key cannot grant a"
          + " rate limit above its own (" + own.perSecond() + "/s, burst " + own.burst() + ")",
          Map.of("limitPerSecond", Integer.toString(own.perSecond()),
              "burst", Integer.toString(own.burst())));
    }
    java.util.Optional<java.time.Instant> expiry = wanted.expireTime();
    if (expireTime.isPresent()) {
      if (expiry.isEmpty()) {
        expiry = expireTime;
      } else if (expiry.get().isAfter(expireTime.get())) {
        throw new PermissionDeniedException("LIFETIME_ESCALATION", "this API key cannot grant a"
            + " key that outlives it (" + expireTime.get() + ")",
            Map.of("expireTime", expireTime.get().toString()));
      }
    }
    return new NewApiKey(wanted.organizationId(), wanted.displayName(), wanted.scopes(), expiry,
        granted);
  }

  /**
   * Allows handing out {@code wanted} scopes: a key can only create keys with scopes it has
   * itself, so KEYS_MANAGE alone is no way to more power.
   *
   * @throws PermissionDeniedException SCOPE_ESCALATION naming the first scope it lacks
   */
  public void requireScopes(Set<Scope> wanted) {
    if (isAdmin()) {
      return;
    }
    for (Scope scope : wanted) {
      if (!scopes.contains(scope)) {
        throw new PermissionDeniedException("SCOPE_ESCALATION", "this API key cannot grant the"
            + " scope " + scope + " it does not have", Map.of("scope", scope.name()));
      }
    }
  }

  /**
   * Allows platform-wide operations (creating and listing organizations, platform keys).
   *
   * @throws PermissionDeniedException ADMIN_REQUIRED for an organization's key
   */
  public void requireAdmin() {
    if (!isAdmin()) {
      throw new PermissionDeniedException("ADMIN_REQUIRED",
          "only a platform-admin API key may do this", Map.of());
    }
  }
}
