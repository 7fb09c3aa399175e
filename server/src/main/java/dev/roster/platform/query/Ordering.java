package dev.roster.platform.query;

import dev.roster.platform.errors.InvalidArgumentException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A parsed AIP-132 {@code order_by} over a closed set of fields, always ending with the id as
 * tie-breaker so the order is total, and the keyset ("seek") predicate that continues after a
 * given row. Only whitelisted SQL expressions reach the SQL text.
 */
final class Ordering {
  private static final int MAX_LENGTH = 500;

  /** One key of the order. */
  record Key(SortField field, boolean descending) {}

  private final List<Key> keys;

  private Ordering(List<Key> keys) {
    this.keys = List.copyOf(keys);
  }

  /**
   * Parses {@code orderBy} ("field [desc], field [asc]..."); empty means {@code defaults}.
   *
   * @throws InvalidArgumentException naming {@code order_by} for unknown or repeated fields
   */
  static Ordering parse(String orderBy, List<SortField> allowed, SortField id,
      List<Key> defaults) {
    List<Key> keys = new ArrayList<>();
    if (orderBy.isBlank()) {
      keys.addAll(defaults);
    } else {
      if (orderBy.length() > MAX_LENGTH) {
        throw invalid("INVALID_ORDER_BY", "must be at most " + MAX_LENGTH + " characters long");
      }
      Map<String, SortField> byName = new LinkedHashMap<>();
      allowed.forEach(f -> byName.put(f.name(), f));
      Set<String> seen = new HashSet<>();
      for (String part : orderBy.split(",", -1)) {
        String[] words = part.trim().split("\\s+");
        if (words.length == 0 || words[0].isEmpty() || words.length > 2
            || (words.length == 2 && !words[1].equals("desc") && !words[1].equals("asc"))) {
          throw invalid("INVALID_ORDER_BY", "must be comma-separated fields, each optionally"
              + " followed by \" desc\", e.g. \"" + allowed.get(0).name() + " desc\"");
        }
        SortField field = byName.get(words[0]);
        if (field == null) {
          throw invalid("UNKNOWN_ORDER_BY_FIELD", "cannot order by \"" + shorten(words[0])
              + "\"; allowed fields are " + String.join(", ", byName.keySet()));
        }
        if (!seen.add(field.name())) {
          throw invalid("INVALID_ORDER_BY", "names \"" + field.name() + "\" twice");
        }
        keys.add(new Key(field, words.length == 2 && words[1].equals("desc")));
      }
    }
    // The id breaks ties in the direction of the last key, so "create_time desc" stays one
    // direction end to end: a row-value seek that PostgreSQL serves with a backward index scan.
    keys.add(new Key(id, keys.get(keys.size() - 1).descending()));
    return new Ordering(keys);
  }

  List<Key> keys() {
    return keys;
  }

  /** {@code e0 as sort_0, e1 as sort_1, ...}: the sort values to select for the next token. */
  String selectList() {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      parts.add(keys.get(i).field().sql() + " as sort_" + i);
    }
    return String.join(", ", parts);
  }

  /** The ORDER BY clause body. */
  String orderBy() {
    return keys.stream().map(k -> k.field().sql() + (k.descending() ? " desc" : " asc"))
        .collect(Collectors.joining(", "));
  }

  /** Reads the current row's sort values (selected by {@link #selectList()}) as a position. */
  Position positionOf(ResultSet rs) throws SQLException {
    List<Position.Value> values = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      String column = "sort_" + i;
      values.add(switch (keys.get(i).field().type()) {
        case STRING -> new Position.Text(rs.getString(column));
        case TIMESTAMP ->
            new Position.Timestamp(rs.getObject(column, OffsetDateTime.class).toInstant());
        case UUID -> new Position.Uuid(rs.getObject(column, UUID.class));
      });
    }
    return new Position(values);
  }

  /**
   * Checks that {@code position} was made by this order: one value per key, each of its key's type.
   * A signed token can still come from another order of the same request shape (an old release, a
   * changed default), so its contents are checked before any SQL is built from them.
   *
   * @throws InvalidArgumentException naming {@code page_token} (INVALID_PAGE_TOKEN) if it does not fit
   */
  Position requireFits(Position position) {
    List<Position.Value> values = position.values();
    boolean fits = values.size() == keys.size();
    for (int i = 0; fits && i < keys.size(); i++) {
      fits = values.get(i).fits(keys.get(i).field().type());
    }
    if (!fits) {
      throw InvalidArgumentException.of("page_token", "INVALID_PAGE_TOKEN",
          "does not belong to this order_by");
    }
    return position;
  }

  /**
   * The predicate "comes after {@code position}" (already {@link #requireFits checked}) in this
   * order. When every key has the same direction it is one row-value comparison, which PostgreSQL
   * answers with a single index range scan; mixed directions expand to
   * (a > x) OR (a = x AND b < y) OR ...
   */
  SqlFragment after(Position position, String paramPrefix) {
    Map<String, Object> params = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      String name = paramPrefix + i;
      names.add(":" + name);
      params.put(name, position.values().get(i).sql());
    }
    boolean uniform = keys.stream().allMatch(k -> k.descending() == keys.get(0).descending());
    if (uniform) {
      String columns = keys.stream().map(k -> k.field().sql()).collect(Collectors.joining(", "));
      String op = keys.get(0).descending() ? "<" : ">";
      return new SqlFragment("((" + columns + ") " + op + " (" + String.join(", ", names) + "))",
          params);
    }
    List<String> alternatives = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      List<String> terms = new ArrayList<>();
      for (int j = 0; j < i; j++) {
        terms.add(keys.get(j).field().sql() + " = " + names.get(j));
      }
      terms.add(keys.get(i).field().sql() + (keys.get(i).descending() ? " < " : " > ") + names.get(i));
      alternatives.add("(" + String.join(" and ", terms) + ")");
    }
    return new SqlFragment("(" + String.join(" or ", alternatives) + ")", params);
  }

  private static InvalidArgumentException invalid(String reason, String description) {
    return InvalidArgumentException.of("order_by", reason, description);
  }

  private static String shorten(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 40 ? clean.substring(0, 40) + "..." : clean;
  }
}
