package dev.roster.rpc;

import dev.roster.platform.errors.ResourceExhaustedException;
import java.time.Duration;
import java.util.Map;

/**
 * The caller's API key already has as many WaitOperation calls waiting as it may
 * (RESOURCE_EXHAUSTED, WAIT_LIMIT_EXCEEDED, metadata {@code limit}); retry when one has answered,
 * or poll with GetOperation.
 */
final class WaitLimitExceededException extends ResourceExhaustedException {
  static final Duration RETRY_DELAY = Duration.ofSeconds(1);

  WaitLimitExceededException(int limit) {
    super("WAIT_LIMIT_EXCEEDED", "this API key already has " + limit + " WaitOperation calls"
            + " waiting, its limit; retry when one has answered, or use GetOperation",
        RETRY_DELAY, Map.of("limit", Integer.toString(limit)));
  }
}
