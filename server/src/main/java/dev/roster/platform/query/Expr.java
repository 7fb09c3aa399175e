package dev.roster.platform.query;

import java.util.ArrayList;
import java.util.List;

/** The parsed form of a filter: a tree of boolean operators over comparisons. */
sealed interface Expr {
  record And(List<Expr> terms) implements Expr {}

  record Or(List<Expr> terms) implements Expr {}

  record Not(Expr term) implements Expr {}

  /** {@code field op value}; tokens are kept so that type errors can say where they are. */
  record Comparison(Token field, Token op, Token value) implements Expr {}

  /** The conjunction of terms, flattened; a single term stands alone. */
  static Expr and(List<Expr> terms) {
    List<Expr> flat = new ArrayList<>();
    terms.forEach(t -> flat.addAll(t instanceof And and ? and.terms() : List.of(t)));
    return flat.size() == 1 ? flat.get(0) : new And(List.copyOf(flat));
  }

  /** The disjunction of terms, flattened; a single term stands alone. */
  static Expr or(List<Expr> terms) {
    List<Expr> flat = new ArrayList<>();
    terms.forEach(t -> flat.addAll(t instanceof Or or ? or.terms() : List.of(t)));
    return flat.size() == 1 ? flat.get(0) : new Or(List.copyOf(flat));
  }
}
