package dev.roster.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link OperationFuture} polls its operation, as gax's {@code OperationTimedPollAlgorithm}
 * does: the first GetOperation {@code initialDelay} after the operation started, each later wait
 * {@code multiplier} times the previous one but at most {@code maxDelay}, and no poll after
 * {@code totalTimeout} from the start (the future then fails with a
 * {@link DeadlineExceededException}; the operation itself goes on and can be followed again with
 * {@link Operations#future}).
 *
 * <pre>{@code
 * PollingSettings patient = PollingSettings.defaults().withTotalTimeout(Duration.ofHours(1));
 * }</pre>
 *
 * @param initialDelay wait before the first poll (positive)
 * @param multiplier growth of the wait after each poll (at least 1.0)
 * @param maxDelay the longest wait between two polls (at least {@code initialDelay})
 * @param totalTimeout how long the future polls at all (positive)
 */
public record PollingSettings(Duration initialDelay, double multiplier, Duration maxDelay,
    Duration totalTimeout) {

  /** Checks the settings. */
  public PollingSettings {
    Objects.requireNonNull(initialDelay, "initialDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    Objects.requireNonNull(totalTimeout, "totalTimeout");
    if (initialDelay.isNegative() || initialDelay.isZero()) {
      throw new IllegalArgumentException("initialDelay must be positive");
    }
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be at least 1.0");
    }
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException("maxDelay must be at least initialDelay");
    }
    if (totalTimeout.isNegative() || totalTimeout.isZero()) {
      throw new IllegalArgumentException("totalTimeout must be positive");
    }
  }

  /** 500 ms, growing 1.5 times per poll up to 5 s, for at most 10 minutes. */
  public static PollingSettings defaults() {
    return new PollingSettings(Duration.ofMillis(500), 1.5, Duration.ofSeconds(5),
        Duration.ofMinutes(10));
  }

  /** These settings with another total timeout. */
  public PollingSettings withTotalTimeout(Duration totalTimeout) {
    return new PollingSettings(initialDelay, multiplier, maxDelay, totalTimeout);
  }

  /** The wait after a poll that waited {@code previous} before it: grown, capped at maxDelay. */
  Duration next(Duration previous) {
    double grown = previous.toNanos() * multiplier;
    return grown >= maxDelay.toNanos() ? maxDelay : Duration.ofNanos((long) grown);
  }
}
