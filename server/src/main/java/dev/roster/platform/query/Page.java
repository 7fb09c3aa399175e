package dev.roster.platform.query;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One page of a list.
 *
 * @param items the rows of this page, in order
 * @param next the keyset position of the last row, when more rows follow it
 */
public record Page<T>(List<T> items, Optional<Position> next) {

  /**
   * Builds a page from up to {@code pageSize + 1} rows, each with its keyset position: the extra
   * row only tells that another page exists, so the last page never hands out a token.
   */
  public static <T> Page<T> of(List<Map.Entry<T, Position>> rows, int pageSize) {
    boolean more = rows.size() > pageSize;
    List<Map.Entry<T, Position>> kept = more ? rows.subList(0, pageSize) : rows;
    List<T> items = kept.stream().map(Map.Entry::getKey).toList();
    Optional<Position> next = more && !kept.isEmpty()
        ? Optional.of(kept.get(kept.size() - 1).getValue()) : Optional.empty();
    return new Page<>(items, next);
  }
}
