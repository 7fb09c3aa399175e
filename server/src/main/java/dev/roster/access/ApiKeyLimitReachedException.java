package dev.roster.access;

import dev.roster.platform.errors.FailedPreconditionException;
import java.util.Map;

/**
 * The organization already has as many active (neither revoked nor expired) API keys as
 * {@code ROSTER_MAX_KEYS_PER_ORGANIZATION} allows; revoking one frees a slot (FAILED_PRECONDITION,
 * API_KEY_LIMIT_REACHED, metadata {@code limit}).
 */
public final class ApiKeyLimitReachedException extends FailedPreconditionException {
  public ApiKeyLimitReachedException(int limit) {
    super("API_KEY_LIMIT_REACHED", "the organization already has " + limit
        + " active API keys, the most allowed; revoke one before creating another",
        Map.of("limit", Integer.toString(limit)));
  }
}
