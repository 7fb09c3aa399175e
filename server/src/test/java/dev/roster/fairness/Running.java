package dev.roster.fairness;

/** Traffic that runs until closed; closing stops it and cancels what it has in flight. */
public interface Running extends AutoCloseable {
  @Override
  void close() throws InterruptedException;
}
