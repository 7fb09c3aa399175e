package dev.roster.platform.query;

import dev.roster.platform.query.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a filter into tokens. Right after a comparison operator it reads a value, so there a
 * leading {@code -} belongs to the value and AND, OR and NOT are plain words.
 */
final class Lexer {
  private static final String DELIMITERS = "()=!<>\"':";
  private static final String ESCAPES = "supported escapes are \\\" \\' \\\\ \\n \\r \\t \\* \\uXXXX";

  private final String src;
  private final FilterErrors errors;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;

  private Lexer(String src, FilterErrors errors) {
    this.src = src;
    this.errors = errors;
  }

  static List<Token> tokenize(String src, FilterErrors errors) {
    Lexer lexer = new Lexer(src, errors);
    lexer.run();
    return lexer.tokens;
  }

  private void run() {
    while (true) {
      while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
        pos++;
      }
      if (pos == src.length()) {
        tokens.add(new Token(Kind.END, "", false, pos, pos));
        return;
      }
      boolean valueExpected = !tokens.isEmpty() && tokens.get(tokens.size() - 1).is(Kind.OP);
      int start = pos;
      char c = src.charAt(pos);
      switch (c) {
        case '(' -> add(Kind.LPAREN, "(", start, ++pos);
        case ')' -> add(Kind.RPAREN, ")", start, ++pos);
        case '=' -> add(Kind.OP, "=", start, ++pos);
        case '<', '>' -> operator(c);
        case '!' -> {
          if (!src.startsWith("!=", pos)) {
            throw errors.syntax("unexpected \"!\"", start, "did you mean \"!=\"?");
          }
          add(Kind.OP, "!=", start, pos += 2);
        }
        case '"', '\'' -> string(c);
        case ':' -> throw errors.syntax("unexpected \":\"", start,
            "the \":\" operator is not supported; use = and quote values that contain \":\"");
        default -> {
          if (c == '-' && !valueExpected) {
            add(Kind.MINUS, "-", start, ++pos);
          } else {
            word(valueExpected);
          }
        }
      }
    }
  }

  private void operator(char c) {
    int start = pos++;
    boolean orEqual = pos < src.length() && src.charAt(pos) == '=';
    if (orEqual) {
      pos++;
    }
    add(Kind.OP, orEqual ? c + "=" : String.valueOf(c), start, pos);
  }

  private void word(boolean valueExpected) {
    int start = pos;
    while (pos < src.length() && !Character.isWhitespace(src.charAt(pos))
        && DELIMITERS.indexOf(src.charAt(pos)) < 0) {
      pos++;
    }
    String text = src.substring(start, pos);
    Kind kind = valueExpected ? Kind.WORD : switch (text) {
      case "AND" -> Kind.AND;
      case "OR" -> Kind.OR;
      case "NOT" -> Kind.NOT;
      default -> Kind.WORD;
    };
    boolean wildcard = kind == Kind.WORD && text.endsWith("*");
    tokens.add(new Token(kind, wildcard ? text.substring(0, text.length() - 1) : text, wildcard, start, pos));
  }

  private void string(char quote) {
    int start = pos++;
    StringBuilder value = new StringBuilder();
    boolean trailingStar = false;
    while (true) {
      if (pos >= src.length()) {
        throw errors.syntax("unterminated string starting", start, "close it with " + quote);
      }
      char c = src.charAt(pos++);
      if (c == quote) {
        break;
      }
      trailingStar = c == '*';
      if (c == '\\') {
        value.append(escape(pos - 1));
      } else {
        value.append(c);
      }
    }
    if (trailingStar) {
      value.setLength(value.length() - 1);
    }
    tokens.add(new Token(Kind.STRING, value.toString(), trailingStar, start, pos));
  }

  /** Reads the escape whose backslash is at {@code at}; leaves pos after it. */
  private char escape(int at) {
    if (pos >= src.length()) {
      throw errors.syntax("unterminated string", at, "a string cannot end in a lone \\");
    }
    char c = src.charAt(pos++);
    switch (c) {
      case '"', '\'', '\\', '*' -> {
        return c;
      }
      case 'n' -> {
        return '\n';
      }
      case 'r' -> {
        return '\r';
      }
      case 't' -> {
        return '\t';
      }
      case 'u' -> {
        if (pos + 4 <= src.length() && src.substring(pos, pos + 4).chars().allMatch(Lexer::isHex)) {
          pos += 4;
          return (char) Integer.parseInt(src.substring(pos - 4, pos), 16);
        }
        throw errors.syntax("invalid \\u escape", at, "expected four hex digits, as in \\u00e9");
      }
      default -> throw errors.syntax("unknown escape " + FilterErrors.quote("\\" + c), at, ESCAPES);
    }
  }

  private static boolean isHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private void add(Kind kind, String text, int start, int end) {
    tokens.add(new Token(kind, text, false, start, end));
  }
}
