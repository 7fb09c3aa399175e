package dev.roster.platform.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;

/**
 * A row read under a read mask: a field outside the mask was not selected (see
 * {@link FieldColumns#select}), so it reads as null instead of failing on a missing column.
 * Fields are read from the column of the same name.
 */
public final class MaskedRow {
  private final ResultSet rs;
  private final Set<String> fields;

  /** @param fields the fields selected; empty means all */
  public MaskedRow(ResultSet rs, Set<String> fields) {
    this.rs = rs;
    this.fields = fields;
  }

  /** Whether the field was selected. */
  public boolean has(String field) {
    return fields.isEmpty() || fields.contains(field);
  }

  public String text(String field) throws SQLException {
    return has(field) ? rs.getString(field) : null;
  }

  public Instant instant(String field) throws SQLException {
    return has(field) ? Rows.instant(rs, field) : null;
  }

  /** The underlying row, for columns every row has (ids). */
  public ResultSet rs() {
    return rs;
  }
}
