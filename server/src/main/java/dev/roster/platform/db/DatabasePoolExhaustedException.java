package dev.roster.platform.db;

import dev.roster.platform.errors.UnavailableException;
import java.time.Duration;
import java.util.Map;

/**
 * No connection of a pool became free within the acquire timeout while the database itself was
 * reachable: every connection is busy with other work. The call is refused (UNAVAILABLE,
 * DATABASE_POOL_EXHAUSTED, with a RetryInfo) instead of waiting toward its deadline. When the pool
 * timed out because connections could not be opened, the driver's failure is kept as it is, and
 * that is DATABASE_UNAVAILABLE.
 */
public final class DatabasePoolExhaustedException extends UnavailableException {
  static final Duration RETRY_DELAY = Duration.ofSeconds(1);

  DatabasePoolExhaustedException(String pool, Duration acquireTimeout) {
    super("DATABASE_POOL_EXHAUSTED", "every connection of the " + pool + " pool is busy (waited "
            + acquireTimeout.toMillis() + " ms); retry after " + RETRY_DELAY.toMillis()
            + " ms, or on another replica", RETRY_DELAY,
        Map.of("pool", pool, "acquireTimeoutMs", Long.toString(acquireTimeout.toMillis())));
  }
}
