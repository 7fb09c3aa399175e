package dev.roster.platform.db;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the database answers, as {@link DatabaseProbe} last decided: one volatile read for
 * whoever needs to know ({@link #up()}: health, refusing calls at the door), and a change signal for
 * whoever must act on a change ({@link #onChange}: ending in-flight work when it goes down, freshening
 * the pools when it comes back). Only transitions are signalled, once each.
 */
public final class DatabaseAvailability {
  private static final Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);

  /** Told of every change of {@link #up()}. */
  @FunctionalInterface
  public interface Listener {
    /**
     * The database went down ({@code up} false) or came back ({@code up} true). Runs on the
     * probe's thread, in registration order: keep it short and hand anything slow to a thread of
     * your own, or the next probe is late. An exception is logged and does not stop the others.
     */
    void changed(boolean up);
  }

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean up;

  /** Starts as {@code up}, without telling anyone (there is no one yet). */
  public DatabaseAvailability(boolean up) {
    this.up = up;
  }

  /** True while the database answers (the last transition was to up). Never blocks. */
  public boolean up() {
    return up;
  }

  /** Calls {@code listener} on every later change. */
  public void onChange(Listener listener) {
    listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Records the database as {@code up} (the probe's decision; tests may call it too) and tells the
   * listeners if that is a change. Returns whether it was one.
   */
  public synchronized boolean report(boolean up) {
    if (this.up == up) {
      return false;
    }
    this.up = up;
    for (Listener listener : listeners) {
      try {
        listener.changed(up);
      } catch (RuntimeException e) {
        log.error("a database availability listener failed", e);
      }
    }
    return true;
  }
}
