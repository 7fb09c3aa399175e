package dev.roster.server;

import dev.roster.platform.errors.UnavailableException;
import java.time.Duration;
import java.util.Map;

/**
 * The calls that are not by-key reads (writes, lists, batch reads, exports) already hold their whole
 * share of the API pool, which keeps a reserve for by-key reads, and none gave its place back within
 * the acquire timeout; this one is refused (UNAVAILABLE, DATABASE_POOL_EXHAUSTED, the same reason
 * as a pool that had no free connection) rather than queued toward its deadline.
 */
final class PoolShareExhaustedException extends UnavailableException {
  static final Duration RETRY_DELAY = Duration.ofSeconds(1);

  PoolShareExhaustedException(int limit) {
    super("DATABASE_POOL_EXHAUSTED", "the server is busy: " + limit + " writes, lists and batch"
            + " reads are already running (the rest of the database pool is kept for reads by key);"
            + " retry after " + RETRY_DELAY.toMillis() + " ms, or on another replica", RETRY_DELAY,
        Map.of("pool", "roster-api", "share", "expensive", "limit", Integer.toString(limit)));
  }
}
