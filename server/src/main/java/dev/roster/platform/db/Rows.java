package dev.roster.platform.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Conversions between Java time and PostgreSQL {@code timestamptz}, shared by every store. */
public final class Rows {
  private Rows() {}

  /**
   * The instant as a UTC offset date-time: the JDBC driver binds that as {@code timestamptz}
   * unambiguously, whatever the session time zone.
   */
  public static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  /** {@link #utc}, or null for null (clearing a column). */
  public static OffsetDateTime utcOrNull(Instant instant) {
    return instant == null ? null : utc(instant);
  }

  /** The {@code timestamptz} column's value, or null when it is NULL. */
  public static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
