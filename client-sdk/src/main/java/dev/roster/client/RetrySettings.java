package dev.roster.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How a call is retried, in the terms of gax-java's {@code RetrySettings}: the wait before the first
 * retry, how it grows, its cap, how long one attempt may take and how long the whole call may take.
 * Only idempotent calls are retried (Get, List, BatchGet, Lookup, the operations' Get and List, and
 * the Creates, which carry a request_id); docs/SDK.md lists them.
 *
 * <p>The defaults ride out a 20-second restart of the server: waits of 100 ms growing by 1.3 up to
 * 5 s, with 20 % jitter, each attempt at most 10 s, the whole call at most 60 s, no cap on attempts.
 *
 * <pre>{@code
 * RetrySettings patient = RetrySettings.defaults().toBuilder()
 *     .setTotalTimeout(Duration.ofMinutes(2))
 *     .build();
 * }</pre>
 */
public final class RetrySettings {
  private final Duration initialRetryDelay;
  private final double retryDelayMultiplier;
  private final Duration maxRetryDelay;
  private final double jitter;
  private final int maxAttempts;
  private final Duration attemptTimeout;
  private final Duration totalTimeout;
  private final boolean retryRateLimited;

  private RetrySettings(Builder b) {
    this.initialRetryDelay = b.initialRetryDelay;
    this.retryDelayMultiplier = b.retryDelayMultiplier;
    this.maxRetryDelay = b.maxRetryDelay;
    this.jitter = b.jitter;
    this.maxAttempts = b.maxAttempts;
    this.attemptTimeout = b.attemptTimeout;
    this.totalTimeout = b.totalTimeout;
    this.retryRateLimited = b.retryRateLimited;
  }

  /**
   * The defaults: 100 ms x 1.3 up to 5 s, 20 % jitter, 10 s an attempt, 60 s in all, attempts
   * unlimited within that, RESOURCE_EXHAUSTED not retried.
   *
   * @return the default settings
   */
  public static RetrySettings defaults() {
    return newBuilder().build();
  }

  /**
   * One attempt only, with the default 10-second deadline.
   *
   * @return settings that never retry
   */
  public static RetrySettings none() {
    return newBuilder().setMaxAttempts(1).setTotalTimeout(Duration.ofSeconds(10)).build();
  }

  /**
   * A builder starting from the defaults.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder starting from these settings.
   *
   * @return a new builder holding these settings
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.initialRetryDelay = initialRetryDelay;
    b.retryDelayMultiplier = retryDelayMultiplier;
    b.maxRetryDelay = maxRetryDelay;
    b.jitter = jitter;
    b.maxAttempts = maxAttempts;
    b.attemptTimeout = attemptTimeout;
    b.totalTimeout = totalTimeout;
    b.retryRateLimited = retryRateLimited;
    return b;
  }

  /** @return the wait before the first retry */
  public Duration initialRetryDelay() {
    return initialRetryDelay;
  }

  /** @return the factor each wait grows by */
  public double retryDelayMultiplier() {
    return retryDelayMultiplier;
  }

  /** @return the longest wait between two attempts */
  public Duration maxRetryDelay() {
    return maxRetryDelay;
  }

  /** @return the random part of each wait, as a fraction of it (0.2 = plus or minus 20 %) */
  public double jitter() {
    return jitter;
  }

  /** @return attempts per call, the first included; 0 means no limit but the total timeout */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** @return the deadline of one attempt (never beyond what is left of the total timeout) */
  public Duration attemptTimeout() {
    return attemptTimeout;
  }

  /** @return the deadline of the whole call, every attempt and wait included */
  public Duration totalTimeout() {
    return totalTimeout;
  }

  /**
   * @return whether RESOURCE_EXHAUSTED with a {@code google.rpc.RetryInfo} (a rate limit) is
   *     retried after the delay the server asks for, when the total timeout leaves room for it
   */
  public boolean retryRateLimited() {
    return retryRateLimited;
  }

  /** The wait before retry number {@code retry} (1 for the first), without jitter. */
  Duration delayBefore(int retry) {
    double nanos = initialRetryDelay.toNanos() * Math.pow(retryDelayMultiplier, retry - 1);
    return Duration.ofNanos((long) Math.min(nanos, maxRetryDelay.toNanos()));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetrySettings r && r.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  @Override
  public String toString() {
    return "RetrySettings{initialRetryDelay=" + initialRetryDelay
        + ", retryDelayMultiplier=" + retryDelayMultiplier + ", maxRetryDelay=" + maxRetryDelay
        + ", jitter=" + jitter + ", maxAttempts=" + maxAttempts + ", attemptTimeout="
        + attemptTimeout + ", totalTimeout=" + totalTimeout + ", retryRateLimited="
        + retryRateLimited + "}";
  }

  /** Builds {@link RetrySettings}; every setter checks its value at once. */
  public static final class Builder {
    private Duration initialRetryDelay = Duration.ofMillis(100);
    private double retryDelayMultiplier = 1.3;
    private Duration maxRetryDelay = Duration.ofSeconds(5);
    private double jitter = 0.2;
    private int maxAttempts = 0;
    private Duration attemptTimeout = Duration.ofSeconds(10);
    private Duration totalTimeout = Duration.ofSeconds(60);
    private boolean retryRateLimited;

    private Builder() {}

    /**
     * @param delay the wait before the first retry (positive)
     * @return this builder
     */
    public Builder setInitialRetryDelay(Duration delay) {
      this.initialRetryDelay = positive(delay, "initialRetryDelay");
      return this;
    }

    /**
     * @param multiplier the factor each wait grows by (at least 1.0)
     * @return this builder
     */
    public Builder setRetryDelayMultiplier(double multiplier) {
      if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("retryDelayMultiplier must be at least 1.0");
      }
      this.retryDelayMultiplier = multiplier;
      return this;
    }

    /**
     * @param delay the longest wait between attempts (positive)
     * @return this builder
     */
    public Builder setMaxRetryDelay(Duration delay) {
      this.maxRetryDelay = positive(delay, "maxRetryDelay");
      return this;
    }

    /**
     * @param jitter the random part of each wait, 0.0 (none) to 1.0
     * @return this builder
     */
    public Builder setJitter(double jitter) {
      if (!(jitter >= 0.0 && jitter <= 1.0)) {
        throw new IllegalArgumentException("jitter must be between 0.0 and 1.0");
      }
      this.jitter = jitter;
      return this;
    }

    /**
     * @param maxAttempts attempts per call including the first; 1 disables retries, 0 means no
     *     limit but the total timeout
     * @return this builder
     */
    public Builder setMaxAttempts(int maxAttempts) {
      if (maxAttempts < 0) {
        throw new IllegalArgumentException("maxAttempts must be 0 (no limit) or more");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * @param timeout the deadline of one attempt (positive)
     * @return this builder
     */
    public Builder setAttemptTimeout(Duration timeout) {
      this.attemptTimeout = positive(timeout, "attemptTimeout");
      return this;
    }

    /**
     * @param timeout the deadline of the whole call, retries and waits included (positive)
     * @return this builder
     */
    public Builder setTotalTimeout(Duration timeout) {
      this.totalTimeout = positive(timeout, "totalTimeout");
      return this;
    }

    /**
     * @param retry whether to retry a rate-limited call (RESOURCE_EXHAUSTED with RetryInfo) after
     *     the delay the server asks for; off by default
     * @return this builder
     */
    public Builder setRetryRateLimited(boolean retry) {
      this.retryRateLimited = retry;
      return this;
    }

    /**
     * @return the settings
     * @throws IllegalArgumentException if the initial delay exceeds the maximum delay
     */
    public RetrySettings build() {
      if (initialRetryDelay.compareTo(maxRetryDelay) > 0) {
        throw new IllegalArgumentException("initialRetryDelay must not exceed maxRetryDelay");
      }
      return new RetrySettings(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }
  }
}
