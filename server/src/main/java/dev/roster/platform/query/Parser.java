package dev.roster.platform.query;

import dev.roster.platform.query.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Recursive-descent parser of the AIP-160 subset, following its grammar (and so its precedence:
 * NOT binds tightest, then OR, then the implicit AND of a sequence, then AND):
 *
 * <pre>
 * expression  = sequence { "AND" sequence }
 * sequence    = factor { factor }
 * factor      = term { "OR" term }
 * term        = [ "NOT" | "-" ] simple
 * simple      = restriction | "(" expression ")"
 * restriction = field operator value
 * </pre>
 */
final class Parser {
  private final List<Token> tokens;
  private final FilterErrors errors;
  private int next;
  private int depth;
  private int comparisons;

  private Parser(List<Token> tokens, FilterErrors errors) {
    this.tokens = tokens;
    this.errors = errors;
  }

  static Expr parse(String filter, FilterErrors errors) {
    Parser parser = new Parser(Lexer.tokenize(filter, errors), errors);
    Expr expr = parser.expression();
    Token end = parser.peek();
    if (!end.is(Kind.END)) {
      throw parser.unexpected(end,
          end.is(Kind.RPAREN) ? "it closes no \"(\"" : "expected AND, OR or a comparison");
    }
    return expr;
  }

  private Expr expression() {
    List<Expr> terms = new ArrayList<>(List.of(sequence()));
    while (peek().is(Kind.AND)) {
      next++;
      terms.add(sequence());
    }
    return Expr.and(terms);
  }

  private Expr sequence() {
    List<Expr> terms = new ArrayList<>(List.of(factor()));
    while (peek().startsTerm()) {
      terms.add(factor());
    }
    return Expr.and(terms);
  }

  private Expr factor() {
    List<Expr> terms = new ArrayList<>(List.of(term()));
    while (peek().is(Kind.OR)) {
      next++;
      terms.add(term());
    }
    return Expr.or(terms);
  }

  private Expr term() {
    if (peek().is(Kind.NOT) || peek().is(Kind.MINUS)) {
      next++;
      return new Expr.Not(simple());
    }
    return simple();
  }

  private Expr simple() {
    Token open = peek();
    if (!open.is(Kind.LPAREN)) {
      return restriction();
    }
    if (++depth > Filters.MAX_DEPTH) {
      throw errors.tooComplex("too deeply nested \"(\"", open.start(),
          "at most " + Filters.MAX_DEPTH + " levels of parentheses are allowed");
    }
    next++;
    Expr inner = expression();
    Token close = peek();
    if (!close.is(Kind.RPAREN)) {
      throw unexpected(close,
          "expected \")\" to close the \"(\" at position " + errors.position(open.start()));
    }
    next++;
    depth--;
    return inner;
  }

  private Expr restriction() {
    Token field = take();
    if (!field.is(Kind.WORD) || field.wildcard() || !FilterField.IDENTIFIER.matcher(field.text()).matches()) {
      throw unexpected(field, "expected a field name (letters, digits and underscores) or \"(\"");
    }
    if (++comparisons > Filters.MAX_TERMS) {
      throw errors.tooComplex("too many comparisons: comparison " + comparisons + " starts", field.start(),
          "at most " + Filters.MAX_TERMS + " comparisons are allowed");
    }
    Token op = take();
    if (!op.is(Kind.OP)) {
      String hint = "expected one of = != < <= > >= after " + errors.quote(field);
      if (List.of("AND", "OR", "NOT").contains(field.text().toUpperCase(Locale.ROOT))) {
        hint += " (AND, OR and NOT are keywords only in upper case)";
      }
      throw unexpected(op, hint);
    }
    Token value = take();
    if (!value.is(Kind.WORD) && !value.is(Kind.STRING)) {
      throw unexpected(value, "expected a value after " + errors.quote(op));
    }
    return new Expr.Comparison(field, op, value);
  }

  private RuntimeException unexpected(Token token, String hint) {
    return errors.syntax("unexpected " + errors.describe(token), token.start(), hint);
  }

  private Token peek() {
    return tokens.get(next);
  }

  private Token take() {
    Token token = tokens.get(next);
    if (!token.is(Kind.END)) {
      next++;
    }
    return token;
  }
}
