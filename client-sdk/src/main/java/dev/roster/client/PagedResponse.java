package dev.roster.client;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A list result: the first page, fetched by the call, and the rest fetched lazily as they are
 * consumed. {@link #iterateAll()} and {@link #stream()} walk every item across pages;
 * {@link #iteratePages()} walks pages with their tokens, e.g. to resume later.
 *
 * <pre>{@code
 * for (User user : client.users().list(org).iterateAll()) { ... }
 * }</pre>
 *
 * @param <T> the resource type
 */
public final class PagedResponse<T> {
  /**
   * One page.
   *
   * @param items the page's resources
   * @param nextPageToken the token of the next page; empty on the last page
   */
  public record Page<T>(List<T> items, String nextPageToken) {
    public boolean hasNextPage() {
      return !nextPageToken.isEmpty();
    }
  }

  private final Page<T> first;
  private final Function<String, Page<T>> fetch;

  PagedResponse(Page<T> first, Function<String, Page<T>> fetch) {
    this.first = first;
    this.fetch = fetch;
  }

  /** The first page's items. */
  public List<T> page() {
    return first.items();
  }

  /** The first page's next-page token; empty if it was the last. */
  public String nextPageToken() {
    return first.nextPageToken();
  }

  /** Every page, starting with the first; each further page is fetched when reached. */
  public Iterable<Page<T>> iteratePages() {
    return () -> new Iterator<>() {
      // The page handed out last; the next one is fetched only when asked for, so nothing is
      // fetched ahead and a failing fetch loses no page the caller already has.
      private Page<T> last;

      @Override
      public boolean hasNext() {
        return last == null || last.hasNextPage();
      }

      @Override
      public Page<T> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        last = last == null ? first : fetch.apply(last.nextPageToken());
        return last;
      }
    };
  }

  /** Every item of every page, fetching pages as the iteration reaches them. */
  public Iterable<T> iterateAll() {
    return () -> new Iterator<>() {
      private final Iterator<Page<T>> pages = iteratePages().iterator();
      private Iterator<T> items = List.<T>of().iterator();

      @Override
      public boolean hasNext() {
        while (!items.hasNext() && pages.hasNext()) {
          items = pages.next().items().iterator();
        }
        return items.hasNext();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return items.next();
      }
    };
  }

  /** {@link #iterateAll()} as a sequential stream; pages are fetched as the stream is consumed. */
  public Stream<T> stream() {
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(iterateAll().iterator(), Spliterator.ORDERED), false);
  }
}
