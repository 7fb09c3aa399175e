package dev.roster.platform.query;

/**
 * One lexical token of a filter.
 *
 * @param text for WORD and STRING the value as written, unescaped, without a trailing wildcard;
 *     for OP the operator; otherwise the keyword or punctuation
 * @param wildcard a WORD or STRING value ended in an unescaped {@code *}
 * @param start index of the token's first char in the filter
 * @param end index just past the token
 */
record Token(Kind kind, String text, boolean wildcard, int start, int end) {
  enum Kind { WORD, STRING, OP, LPAREN, RPAREN, AND, OR, NOT, MINUS, END }

  boolean is(Kind k) {
    return kind == k;
  }

  /** Can this token begin a term (and so continue an implicit AND)? */
  boolean startsTerm() {
    return switch (kind) {
      case WORD, STRING, LPAREN, NOT, MINUS -> true;
      default -> false;
    };
  }
}
