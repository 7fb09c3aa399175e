package dev.roster.observability;

import java.time.Duration;
import java.util.function.Supplier;

/** A value read at most once per {@code ttl}; callers in between get the last one. */
final class Cached<T> {
  private final long ttlNanos;
  private final Supplier<T> source;
  private T value;
  private long readAt;
  private boolean read;

  Cached(Duration ttl, Supplier<T> source) {
    this.ttlNanos = ttl.toNanos();
    this.source = source;
  }

  synchronized T get() {
    long now = System.nanoTime();
    if (!read || now - readAt >= ttlNanos) {
      value = source.get();
      readAt = now;
      read = true;
    }
    return value;
  }
}
