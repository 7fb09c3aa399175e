package dev.roster.platform.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** Classifies database failures for callers that must not know about JDBC. */
public final class DatabaseFailures {
  /** admin_shutdown, crash_shutdown, cannot_connect_now. */
  private static final java.util.Set<String> SERVER_GOING_AWAY = java.util.Set.of("57P01", "57P02",
      "57P03");

  private DatabaseFailures() {}

  /**
   * True when {@code failure} means the database could not be reached: the pool timed out waiting
   * for a connection, the connection failed or dropped (SQLSTATE class 08), or the server is
   * shutting down, crashed or still starting (57P01, 57P02, 57P03: what sessions and new
   * connections get during a restart). Worth a retry.
   */
  public static boolean isUnreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || SERVER_GOING_AWAY.contains(sql.getSQLState()))) {
        return true;
      }
    }
    return false;
  }

  /** True when {@code failure} is, or was caused by, a failure of database work (SQLException). */
  public static boolean isDatabaseFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        return true;
      }
    }
    return false;
  }

  /** True when {@code failure} is a statement cancelled because its call ran out of time (57014). */
  public static boolean isCancelled(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && "57014".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }
}
