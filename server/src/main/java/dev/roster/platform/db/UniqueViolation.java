package dev.roster.platform.db;

import java.sql.SQLException;
import java.util.Optional;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Recognises PostgreSQL unique-constraint violations so contexts can turn them into their own rules. */
public final class UniqueViolation {
  private static final String UNIQUE_VIOLATION = "23505";

  private UniqueViolation() {}

  /** The name of the violated unique constraint or index, if {@code failure} is caused by one. */
  public static Optional<String> constraintOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
        if (sql instanceof PSQLException psql) {
          ServerErrorMessage detail = psql.getServerErrorMessage();
          if (detail != null && detail.getConstraint() != null) {
            return Optional.of(detail.getConstraint());
          }
        }
        return Optional.of("");
      }
    }
    return Optional.empty();
  }
}
