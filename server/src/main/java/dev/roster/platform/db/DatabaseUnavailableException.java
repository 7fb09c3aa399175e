package dev.roster.platform.db;

import dev.roster.platform.errors.UnavailableException;
import java.time.Duration;
import java.util.Map;

/**
 * The database does not answer, so the call cannot be served now (UNAVAILABLE,
 * {@code DATABASE_UNAVAILABLE}, with a RetryInfo of {@link #RETRY_DELAY}): either it is known to be
 * down ({@link DatabaseAvailability}) and the call is refused before any work, or the call's own
 * database work failed to reach it.
 */
public final class DatabaseUnavailableException extends UnavailableException {
  /** About the time the probe needs to see the database back (two probes of 500 ms). */
  public static final Duration RETRY_DELAY = Duration.ofSeconds(1);
  public static final String REASON = "DATABASE_UNAVAILABLE";

  /** The database is known to be down: refused before any work was done. */
  public static DatabaseUnavailableException knownDown() {
    return new DatabaseUnavailableException("the database is unavailable; the call was not run."
        + " Retry after " + RETRY_DELAY.toMillis() + " ms, with backoff");
  }

  /** The call's database work could not reach the database. */
  public static DatabaseUnavailableException unreachable() {
    return new DatabaseUnavailableException("the database is unavailable; retry after "
        + RETRY_DELAY.toMillis() + " ms, with backoff");
  }

  private DatabaseUnavailableException(String message) {
    super(REASON, message, RETRY_DELAY, Map.of());
  }
}
