package dev.roster.access;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What a caller supplies to create an organization's API key.
 *
 * @param organizationId the organization it will act for
 * @param displayName what it is for, may be empty
 * @param scopes at least one scope
 * @param expireTime when it stops working, if ever; must be in the future
 * @param rateLimit its own rate limit instead of the server default
 */
public record NewApiKey(
    UUID organizationId,
    String displayName,
    Set<Scope> scopes,
    Optional<Instant> expireTime,
    Optional<RateLimit> rateLimit) {}
