package dev.roster.platform.db;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * The time budget of the call the current thread is serving, so database work stops when the call
 * does. The transport sets it around each call ({@link #open}); every statement then gets a query
 * timeout of the time left, and is cancelled on the server the moment the call is cancelled or its
 * deadline passes. This keeps an abandoned call from holding a connection and a backend.
 */
public final class CallScope implements AutoCloseable {
  private static final ThreadLocal<CallScope> CURRENT = new ThreadLocal<>();

  private final long deadlineNanos;
  private final CallScope previous;
  private volatile Statement running;
  private volatile boolean cancelled;

  private CallScope(long deadlineNanos, CallScope previous) {
    this.deadlineNanos = deadlineNanos;
    this.previous = previous;
  }

  /** Opens a scope on this thread for a call with {@code remainingNanos} left. */
  public static CallScope open(long remainingNanos) {
    CallScope scope = new CallScope(System.nanoTime() + remainingNanos, CURRENT.get());
    CURRENT.set(scope);
    return scope;
  }

  /**
   * Cancels the statement running for this call, if any, and every later one. Any thread, a
   * transport thread included: it never blocks, the cancel request itself is sent by
   * {@link StatementCancels}.
   */
  public void cancel() {
    cancelled = true;
    Statement statement = running;
    if (statement != null) {
      StatementCancels.cancel(statement, () -> running == statement);
    }
  }

  @Override
  public void close() {
    CURRENT.set(previous);
  }

  /** Called before each statement (see Database): applies the time left, registers for cancel. */
  static void beforeStatement(Statement statement) throws SQLException {
    CallScope scope = CURRENT.get();
    if (scope == null) {
      return;
    }
    long left = scope.deadlineNanos - System.nanoTime();
    // Registered before the check: a cancel() racing with it either sees this statement or is
    // seen by the check.
    scope.running = statement;
    if (scope.cancelled || left <= 0) {
      scope.running = null;
      throw new SQLException("the call's deadline has passed", "57014");
    }
    statement.setQueryTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L)));
  }

  static void afterStatement() {
    CallScope scope = CURRENT.get();
    if (scope != null) {
      scope.running = null;
    }
  }
}
