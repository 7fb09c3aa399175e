package dev.roster.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waiting for something another thread or process will do: polls a condition until it holds and
 * fails after a generous timeout. The timeout only bounds a broken test; a passing one never
 * depends on how long the wait took.
 */
public final class Await {
  /** Long enough for a loaded CI machine; a healthy run waits milliseconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final long POLL_MILLIS = 10;

  private Await() {}

  /** Waits up to {@link #DEFAULT_TIMEOUT} until {@code condition} holds. */
  public static void until(String what, BooleanSupplier condition) {
    until(DEFAULT_TIMEOUT, what, condition);
  }

  /**
   * Waits until {@code condition} holds.
   *
   * @throws AssertionError naming {@code what} if it does not hold within {@code timeout}, or if
   *     the waiting thread is interrupted
   */
  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }
}
