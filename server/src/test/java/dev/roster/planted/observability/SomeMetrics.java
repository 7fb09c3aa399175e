package dev.roster.planted.observability;

/** The metrics plumbing of the miniature layout (no violation of its own). */
public final class SomeMetrics {
  public void record(String what) {}
}
