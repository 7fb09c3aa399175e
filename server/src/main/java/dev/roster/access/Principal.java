package dev.roster.access;

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
   * @throws TenantForbiddenException for another organization
   * @throws ScopeRequiredException when the key lacks the scope
   */
  public void require(UUID organizationId, Scope scope) {
    if (isAdmin()) {
      return;
    }
    if (!this.organizationId.get().equals(organizationId)) {
      throw new TenantForbiddenException(organizationId);
    }
    if (!scopes.contains(scope)) {
      throw new ScopeRequiredException(scope);
    }
  }

  /**
   * What this caller may hand out as a new key: no scope it lacks itself, no higher rate limit
   * than its own ({@code defaultLimit} when it has none of its own), and no longer life; a
   * missing limit or expiry is filled in with the caller's. Platform admins are not bound.
   *
   * @throws ScopeEscalationException for a scope the caller lacks
   * @throws RateLimitEscalationException for a rate limit or burst above the caller's
   * @throws LifetimeEscalationException for an expire time after the caller's
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
      throw new RateLimitEscalationException(own);
    }
    java.util.Optional<java.time.Instant> expiry = wanted.expireTime();
    if (expireTime.isPresent()) {
      if (expiry.isEmpty()) {
        expiry = expireTime;
      } else if (expiry.get().isAfter(expireTime.get())) {
        throw new LifetimeEscalationException(expireTime.get());
      }
    }
    return new NewApiKey(wanted.organizationId(), wanted.displayName(), wanted.scopes(), expiry,
        granted);
  }

  /**
   * Allows handing out {@code wanted} scopes: a key can only create keys with scopes it has
   * itself, so KEYS_MANAGE alone is no way to more power.
   *
   * @throws ScopeEscalationException naming the first scope it lacks
   */
  public void requireScopes(Set<Scope> wanted) {
    if (isAdmin()) {
      return;
    }
    for (Scope scope : wanted) {
      if (!scopes.contains(scope)) {
        throw new ScopeEscalationException(scope);
      }
    }
  }

  /**
   * Allows platform-wide operations (creating and listing organizations, platform keys).
   *
   * @throws AdminRequiredException for an organization's key
   */
  public void requireAdmin() {
    if (!isAdmin()) {
      throw new AdminRequiredException();
    }
  }
}
