package dev.roster.platform.query;

import java.util.Set;

/** The schema the filter tests compile against: one field of each kind. */
final class TestSchemas {
  static final FilterSchema USERS = FilterSchema.of(
      FilterField.string("handle", "handle"),
      FilterField.caseInsensitiveString("email", "email"),
      FilterField.string("display_name", "display_name"),
      FilterField.timestamp("create_time", "create_time"),
      FilterField.enumeration("state", "state", Set.of("ACTIVE", "SUSPENDED", "DELETED")));

  private TestSchemas() {}

  static SqlFragment compile(String filter) {
    return Filters.compile(filter, USERS, "f");
  }

  static String sql(String filter) {
    return compile(filter).sql();
  }
}
