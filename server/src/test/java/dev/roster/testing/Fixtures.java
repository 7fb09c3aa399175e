package dev.roster.testing;

import java.util.concurrent.atomic.AtomicLong;

/** Unique values for tests that share one database. */
public final class Fixtures {
  private static final AtomicLong COUNTER = new AtomicLong(System.nanoTime() % 1_000_000);

  private Fixtures() {}

  /** A valid slug or handle, unique within this JVM run. */
  public static String slug(String prefix) {
    return prefix + "-" + Long.toString(COUNTER.incrementAndGet(), 36);
  }

  /** A valid email, unique within this JVM run. */
  public static String email(String prefix) {
    return prefix + "." + Long.toString(COUNTER.incrementAndGet(), 36) + "@example.com";
  }
}
