package dev.roster.planted.platform;

/** VIOLATION (statementCancelOnlyOnTheCancelThreads): cancels on the caller's thread. */
public final class CancelsInline {
  public void cancel(java.sql.PreparedStatement statement) throws java.sql.SQLException {
    statement.cancel();
  }
}
