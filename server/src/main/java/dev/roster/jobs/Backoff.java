package dev.roster.jobs;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a failed job waits before its next attempt: exponential, capped, with jitter so that
 * jobs that failed together (say, while a mail server was down) do not all retry together.
 * After attempt {@code n} (1 for the first) the delay is
 * {@code min(cap, base * 2^(n-1)) * (1 + r)} with {@code r} uniform in {@code [-jitter, +jitter]}.
 * The default (1 s base, 1 h cap, 10% jitter) waits about 1 s, 2 s, 4 s ... and then an hour at a
 * time from the 13th failure.
 */
public record Backoff(Duration base, Duration cap, double jitter) {
  public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofHours(1), 0.1);

  public Backoff {
    if (base.toMillis() < 1 || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff needs 1 ms <= base <= cap");
    }
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1)");
    }
  }

  /** The delay after the {@code attempt}-th failed attempt (1-based). */
  public Duration delay(int attempt) {
    int doublings = Math.max(0, Math.min(attempt - 1, 40));
    double millis = Math.min((double) cap.toMillis(), base.toMillis() * Math.pow(2, doublings));
    double factor = 1 + (jitter == 0 ? 0 : ThreadLocalRandom.current().nextDouble(-jitter, jitter));
    return Duration.ofMillis(Math.max(1, Math.round(millis * factor)));
  }
}
