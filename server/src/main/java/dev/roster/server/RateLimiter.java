package dev.roster.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.roster.access.Principal;
import dev.roster.access.RateLimit;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

/**
 * Per-API-key token buckets (Bucket4j), kept in this replica's memory: the limit is per replica,
 * so N replicas allow N times the rate in total. That keeps every call free of a shared-store
 * round trip; docs/SECURITY.md explains the trade-off.
 */
public final class RateLimiter {
  private final RateLimit defaults;
  private final TimeMeter time;
  private final Cache<UUID, Bucket> buckets =
      Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).maximumSize(100_000).build();

  /** Limits keys without a limit of their own to {@code defaults}; buckets refill on the system clock. */
  public RateLimiter(RateLimit defaults) {
    this(defaults, Clock.systemUTC());
  }

  /**
   * As {@link #RateLimiter(RateLimit)}, with buckets refilling as {@code clock} advances (in whole
   * milliseconds, as Bucket4j's default meter does on the system clock).
   */
  public RateLimiter(RateLimit defaults, Clock clock) {
    this.defaults = defaults;
    this.time = millisOf(clock);
  }

  private static TimeMeter millisOf(Clock clock) {
    return new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return clock.millis() * 1_000_000L;
      }

      @Override
      public boolean isWallClockBased() {
        return true;
      }
    };
  }

  /**
   * Takes one token from the caller's bucket.
   *
   * @throws RateLimitExceededException with the wait until a token is back
   */
  void acquire(Principal caller) {
    RateLimit limit = caller.rateLimit().orElse(defaults);
    Bucket bucket = buckets.get(caller.keyId(), id -> Bucket.builder()
        .withCustomTimePrecision(time)
        .addLimit(Bandwidth.builder().capacity(limit.burst())
            .refillGreedy(limit.perSecond(), Duration.ofSeconds(1)).build())
        .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      Duration wait = Duration.ofNanos(Math.max(1_000_000, probe.getNanosToWaitForRefill()));
      throw new RateLimitExceededException(limit, wait);
    }
  }
}
