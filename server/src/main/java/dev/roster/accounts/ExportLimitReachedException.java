package dev.roster.accounts;

import dev.roster.platform.errors.ResourceExhaustedException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * The organization already has as many exports pending or running as it may
 * ({@code ROSTER_MAX_ACTIVE_EXPORTS_PER_ORGANIZATION}); RESOURCE_EXHAUSTED with reason
 * EXPORT_LIMIT_REACHED. A quota that frees itself when one of them finishes, so the caller may
 * retry after {@link #retryDelay()}.
 */
public final class ExportLimitReachedException extends ResourceExhaustedException {
  /** How long a refused caller is told to wait: exports take seconds to minutes. */
  static final Duration RETRY_DELAY = Duration.ofSeconds(30);

  ExportLimitReachedException(UUID organizationId, int limit) {
    super("EXPORT_LIMIT_REACHED", "organization " + organizationId + " already has " + limit
            + " exports pending or running, the most it may have; retry once one has finished",
        RETRY_DELAY, Map.of("organizationId", organizationId.toString(),
            "limit", Integer.toString(limit)));
  }
}
