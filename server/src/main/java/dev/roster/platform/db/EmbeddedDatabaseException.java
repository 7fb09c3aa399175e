package dev.roster.platform.db;

/**
 * The embedded PostgreSQL could not be started (or its data directory not taken), for a reason an
 * operator can act on. The message is one complete line meant for the console as it is: the
 * command line prints it without a stack trace.
 */
public final class EmbeddedDatabaseException extends RuntimeException {
  public EmbeddedDatabaseException(String message) {
    super(message);
  }

  public EmbeddedDatabaseException(String message, Throwable cause) {
    super(message, cause);
  }
}
