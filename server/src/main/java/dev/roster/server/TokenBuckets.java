package dev.roster.server;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;

/**
 * Makes the Bucket4j token buckets of the rate limiter and the authentication brake: a burst that
 * refills greedily at a rate per second, on a time meter read from the server's {@link Clock}, so
 * tests move time instead of sleeping.
 */
final class TokenBuckets {
  private final TimeMeter time;

  TokenBuckets(Clock clock) {
    this.time = new TimeMeter() {
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

  /** A full bucket of {@code burst} tokens, {@code perSecond} coming back every second. */
  Bucket bucket(int burst, int perSecond) {
    return Bucket.builder()
        .withCustomTimePrecision(time)
        .addLimit(Bandwidth.builder().capacity(burst)
            .refillGreedy(perSecond, Duration.ofSeconds(1)).build())
        .build();
  }
}
