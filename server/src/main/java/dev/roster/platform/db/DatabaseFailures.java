package dev.roster.platform.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** Classifies database failures for callers that must not know about JDBC. */
public final class DatabaseFailures {
  private DatabaseFailures() {}

  /**
   * True when {@code failure} means the database could not be reached: the pool timed out waiting
   * for a connection, or the connection failed or dropped (SQLSTATE class 08). Worth a retry.
   */
  public static boolean isUnreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null
          && sql.getSQLState().startsWith("08")) {
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
