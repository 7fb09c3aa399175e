package dev.roster.platform.query;

import dev.roster.platform.errors.InvalidArgumentException;

/**
 * Builds the errors of a bad filter. Messages say what is wrong and where, and quote client text
 * only through {@link #quote}, which bounds its length and neutralises control characters.
 */
final class FilterErrors {
  static final String FIELD = "filter";
  private static final int MAX_QUOTED = 40;

  private final String source;

  FilterErrors(String source) {
    this.source = source;
  }

  InvalidArgumentException syntax(String what, int index, String hint) {
    return error(Filters.INVALID_FILTER, what, index, hint);
  }

  InvalidArgumentException unknownField(String what, int index, String hint) {
    return error(Filters.UNKNOWN_FILTER_FIELD, what, index, hint);
  }

  InvalidArgumentException badValue(String what, int index, String hint) {
    return error(Filters.INVALID_FILTER_VALUE, what, index, hint);
  }

  InvalidArgumentException tooComplex(String what, int index, String hint) {
    return error(Filters.FILTER_TOO_COMPLEX, what, index, hint);
  }

  /** The source text of a token, quoted for a message. */
  String quote(Token token) {
    return quote(source.substring(token.start(), token.end()));
  }

  /** What a token is, for "unexpected ..." messages. */
  String describe(Token token) {
    return token.kind() == Token.Kind.END ? "end of filter" : quote(token);
  }

  /** "{what} at position {n}[; {hint}]": what and hint may only contain quoted client text. */
  private InvalidArgumentException error(String reason, String what, int index, String hint) {
    String message = what + " at position " + position(index) + (hint.isEmpty() ? "" : "; " + hint);
    return InvalidArgumentException.of(FIELD, reason, message);
  }

  /** 1-based position in code points, which is what a person counting characters sees. */
  int position(int index) {
    return source.codePointCount(0, Math.min(index, source.length())) + 1;
  }

  /** {@code text} in double quotes, cut to 40 code points, with control and format characters escaped. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    int count = 0;
    for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
      if (count++ == MAX_QUOTED) {
        out.append("...");
        break;
      }
      int cp = text.codePointAt(i);
      int type = Character.getType(cp);
      if (Character.isISOControl(cp) || type == Character.FORMAT || type == Character.SURROGATE
          || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
        out.append(String.format("\\u%04X", cp));
      } else if (cp == '"' || cp == '\\') {
        out.append('\\').appendCodePoint(cp);
      } else {
        out.appendCodePoint(cp);
      }
    }
    return out.append('"').toString();
  }
}
