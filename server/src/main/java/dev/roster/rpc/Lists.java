package dev.roster.rpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.FieldMask;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.paging.PageTokens;
import dev.roster.server.Callers;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Page;
import dev.roster.platform.query.Position;
import java.util.List;
import java.util.Optional;

/** The AIP-158 request side of every list: page size, page token, and the next token. */
final class Lists {
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 1000;
  static final int ROWS_PER_TOKEN = 100;

  private final PageTokens tokens;

  Lists(PageTokens tokens) {
    this.tokens = tokens;
  }

  /** The parts of a list request that a page token is bound to. */
  record Binding(String method, String parent, String filter, String orderBy, boolean showDeleted) {
    String text() {
      // Length-prefixed so that no choice of values can make two bindings collide.
      StringBuilder b = new StringBuilder();
      for (String part : List.of(method, parent, filter, orderBy, Boolean.toString(showDeleted))) {
        b.append(part.length()).append(':').append(part).append(';');
      }
      return b.toString();
    }
  }

  /**
   * Whitelists a list request into a query, opening its page token if it has one. The token's
   * signature and binding are checked here; its position, the filter and order_by are checked
   * against the resource by the context, before it reads anything.
   */
  ListQuery query(Binding binding, int pageSize, String pageToken, FieldMask readMask,
      Descriptor resource) {
    Optional<Position> after = pageToken.isEmpty()
        ? Optional.empty() : Optional.of(tokens.open(pageToken, binding.text()));
    ListQuery query = new ListQuery(pageSize(pageSize), binding.filter(), binding.orderBy(),
        binding.showDeleted(), after, ReadMasks.fields(readMask, resource));
    // The call's first token was taken at admission; a page costs the rest before it is read.
    Callers.charge(cost(query.pageSize(), query.orderBy()) - 1);
    return query;
  }

  /**
   * Rate-limit tokens a page costs: one, plus one per full {@value #ROWS_PER_TOKEN} rows asked for
   * ({@code 1 + pageSize / 100}: the default 50 costs 1, a full page of 1000 costs 11), doubled when
   * {@code orderBy} names more than one field, an order no index serves (every single field is
   * indexed in either direction, V6), which PostgreSQL sorts itself. DECISIONS 4x explains the
   * choice.
   */
  static int cost(int pageSize, String orderBy) {
    int cost = 1 + pageSize / ROWS_PER_TOKEN;
    return orderBy.indexOf(',') >= 0 ? 2 * cost : cost;
  }

  /** The token for the page after {@code page}, or empty on the last page. */
  String nextToken(Binding binding, Page<?> page) {
    return page.next().map(position -> tokens.issue(binding.text(), position)).orElse("");
  }

  static int pageSize(int requested) {
    if (requested < 0) {
      throw InvalidArgumentException.of("page_size", "INVALID_PAGE_SIZE",
          "must not be negative; 0 means the default of " + DEFAULT_PAGE_SIZE);
    }
    return requested == 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
  }
}
