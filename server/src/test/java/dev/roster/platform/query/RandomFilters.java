package dev.roster.platform.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Random filters for property tests over {@link TestSchemas#USERS}: well-formed ones built from
 * the grammar with hostile values, and garbage glued from the pieces filters are made of.
 */
final class RandomFilters {
  /** Put in every generated value; it must never reach the SQL text. */
  static final String SENTINEL = "ZQX";

  private static final String[] HOSTILE = {"'", "\"", "\\", "%", "_", "*", ";", "--", "/*", ")", "(", ":f0",
      "?", "$1", " ", "\n", "\t", ":", "!", "=", "<>", "OR", "AND", "drop table users", "\uD83D\uDE00", "\u00e9",
      "\u202E", "\u0007", "x", "handle", "lower(", "'!'"};
  private static final String[] GARBAGE = {"handle", "email", "display_name", "create_time", "state", "nickname",
      "ACTIVE", "active", "AND", "OR", "NOT", "and", "-", "--", "(", ")", "=", "!=", "<", "<=", ">", ">=", "==",
      "!", ":", "\"", "'", "\\", "\\u", "\\u00e9", "\\uZZ", "\\n", "\\*", "*", "%", "_", " ", " ", " ", "\t",
      "\n", "\u0000", "\\u0000", "\uD83D\uDE00", "\uD800", "\uDC00", "\u202E", "x", "ab", ".", "@", ",", "~",
      "\"2024-01-01T00:00:00Z\"", "'2024-02-30T00:00:00+01:00'", "2024-01-01", "; drop table users; --",
      "'; select 1; --", "/*", "*/", "$1", "?", "true", "NULL"};
  private static final String[] OPERATORS = {"=", "!=", "<", "<=", ">", ">="};
  private static final String[] STATES = {"ACTIVE", "SUSPENDED", "DELETED"};
  private static final Pattern TRUSTED_TOKEN = Pattern.compile(
      "\\G(?:[()]|\\s|AND|OR|NOT|LIKE|ESCAPE|'!'|<>|<=|>=|=|<|>|lower|:f\\d+|true"
          + "|handle|email|display_name|create_time|state)");
  private static final Pattern PARAM = Pattern.compile(":(f\\d+)");

  private final Random random;
  private int comparisons;

  RandomFilters(long seed) {
    this.random = new Random(seed);
  }

  /** A well-formed filter with at most MAX_TERMS comparisons and shallow nesting. */
  Valid valid() {
    comparisons = 0;
    String text = expression(0);
    return new Valid(text, comparisons);
  }

  record Valid(String text, int comparisons) {}

  /** Pieces of filter syntax glued at random, sometimes with spaces. */
  String garbage() {
    StringBuilder out = new StringBuilder();
    int pieces = random.nextInt(30);
    for (int i = 0; i < pieces; i++) {
      out.append(random.nextInt(4) == 0 ? "" : " ").append(pick(GARBAGE));
    }
    return out.toString();
  }

  /** Random code points, mostly ASCII. */
  String noise() {
    StringBuilder out = new StringBuilder();
    int length = random.nextInt(60);
    for (int i = 0; i < length; i++) {
      out.appendCodePoint(random.nextInt(10) < 8 ? random.nextInt(128) : random.nextInt(0x11000));
    }
    return out.toString();
  }

  private String expression(int depth) {
    StringBuilder out = new StringBuilder(sequence(depth));
    while (roomFor(2) && random.nextInt(3) == 0) {
      out.append(" AND ").append(sequence(depth));
    }
    return out.toString();
  }

  private String sequence(int depth) {
    StringBuilder out = new StringBuilder(factor(depth));
    while (roomFor(2) && random.nextInt(4) == 0) {
      out.append(' ').append(factor(depth));
    }
    return out.toString();
  }

  private String factor(int depth) {
    StringBuilder out = new StringBuilder(term(depth));
    while (roomFor(2) && random.nextInt(3) == 0) {
      out.append(" OR ").append(term(depth));
    }
    return out.toString();
  }

  private String term(int depth) {
    String negation = switch (random.nextInt(6)) {
      case 0 -> "NOT ";
      case 1 -> "-";
      default -> "";
    };
    if (depth < 4 && roomFor(3) && random.nextInt(4) == 0) {
      return negation + "(" + expression(depth + 1) + ")";
    }
    return negation + comparison();
  }

  private boolean roomFor(int more) {
    return comparisons + more <= Filters.MAX_TERMS;
  }

  private String comparison() {
    comparisons++;
    String field = pick(new String[] {"handle", "email", "display_name", "create_time", "state"});
    return switch (field) {
      case "create_time" -> field + " " + pick(OPERATORS) + " \"" + timestamp() + "\"";
      case "state" -> field + (random.nextBoolean() ? " = " : " != ")
          + (random.nextBoolean() ? pick(STATES) : "'" + pick(STATES) + "'");
      default -> {
        String op = pick(OPERATORS);
        boolean wildcard = (op.equals("=") || op.equals("!=")) && random.nextBoolean();
        yield field + " " + op + " " + quoted(hostileText()) + (wildcard ? "*\"" : "\"");
      }
    };
  }

  private String hostileText() {
    StringBuilder out = new StringBuilder(SENTINEL);
    int pieces = random.nextInt(6);
    for (int i = 0; i < pieces; i++) {
      out.append(pick(HOSTILE));
    }
    return out.toString();
  }

  /** The text as an open double-quoted literal (the caller closes it), escaped so it means itself. */
  private String quoted(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"', '\\', '*' -> out.append('\\').append(c);
        case '\n' -> out.append(random.nextBoolean() ? "\\n" : "\n");
        default -> out.append(random.nextInt(20) == 0 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return out.toString();
  }

  private String timestamp() {
    String offset = switch (random.nextInt(3)) {
      case 0 -> "Z";
      case 1 -> String.format("+%02d:%02d", random.nextInt(15), random.nextInt(60));
      default -> String.format("-%02d:30", random.nextInt(12));
    };
    String fraction = random.nextBoolean() ? "" : "." + (100 + random.nextInt(900));
    return String.format("%04d-%02d-%02dT%02d:%02d:%02d%s%s", 1970 + random.nextInt(100), 1 + random.nextInt(12),
        1 + random.nextInt(28), random.nextInt(24), random.nextInt(60), random.nextInt(60), fraction, offset);
  }

  private String pick(String[] options) {
    return options[random.nextInt(options.length)];
  }

  /**
   * Asserts the fragment's SQL is made only of the schema's expressions, operators, parentheses
   * and parameter names, with balanced parentheses, and that its parameters are exactly the ones
   * it references.
   */
  static void assertTrustedSql(SqlFragment fragment, String filter) {
    String sql = fragment.sql();
    Matcher token = TRUSTED_TOKEN.matcher(sql);
    int at = 0;
    int open = 0;
    while (at < sql.length()) {
      assertThat(token.find(at)).as("untrusted SQL at %d of %s (filter %s)", at, sql, filter).isTrue();
      open += token.group().equals("(") ? 1 : token.group().equals(")") ? -1 : 0;
      assertThat(open).as("parentheses of %s", sql).isNotNegative();
      at = token.end();
    }
    assertThat(open).as("parentheses of %s", sql).isZero();
    Set<String> referenced = new HashSet<>();
    Matcher param = PARAM.matcher(sql);
    while (param.find()) {
      referenced.add(param.group(1));
    }
    assertThat(fragment.params().keySet()).as("params of %s", sql).isEqualTo(referenced);
  }

  /** A filter as a Java literal, so a failing case can be pasted into a test. */
  static String javaLiteral(String text) {
    List<String> parts = new ArrayList<>();
    text.codePoints().forEach(cp -> parts.add(cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\'
        ? Character.toString(cp) : String.format("\\u%04x", cp)));
    return "\"" + String.join("", parts) + "\"";
  }
}
