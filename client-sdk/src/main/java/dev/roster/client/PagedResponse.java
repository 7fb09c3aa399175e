package dev.roster.client;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A list result: the first page, fetched by the call, and the rest fetched lazily as they are
 * consumed. {@link #iterateAll()} and {@link #stream()} walk every item across pages;
 * {@link #iteratePages()} walks pages with their tokens, e.g. to resume later;
 * {@link #nextPageAsync()} fetches the next page without blocking.
 *
 * <pre>{@code
 * for (User user : client.users().list(org).iterateAll()) { ... }
 * }</pre>
 *
 * <p>Each page is fetched with the list method's retry settings: a server restart in the middle
 * of an iteration is retried from the page token the iteration was on, so no item is skipped or
 * repeated. Should a page still fail (its retries spent), the exception reaches the caller and the
 * iterator stays where it was: calling {@code hasNext()} again fetches that same page again.
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
    /**
     * Whether a page follows this one.
     *
     * @return true if the token is not empty
     */
    public boolean hasNextPage() {
      return !nextPageToken.isEmpty();
    }
  }

  private final Page<T> first;
  private final Function<String, Page<T>> fetch;
  private final Function<String, CompletableFuture<Page<T>>> fetchAsync;

  PagedResponse(Page<T> first, Function<String, Page<T>> fetch,
      Function<String, CompletableFuture<Page<T>>> fetchAsync) {
    this.first = first;
    this.fetch = fetch;
    this.fetchAsync = fetchAsync;
  }

  /** A list call: its first page now, the others as the iteration reaches them. */
  static <Q, P, T> PagedResponse<T> list(Calls calls, io.grpc.MethodDescriptor<Q, P> method,
      Q request, BiFunction<Q, String, Q> withToken, Function<P, Page<T>> page) {
    Function<String, Page<T>> fetch =
        token -> page.apply(calls.unary(method, withToken.apply(request, token)));
    Function<String, CompletableFuture<Page<T>>> fetchAsync = token ->
        calls.unaryAsync(method, withToken.apply(request, token)).thenApply(page);
    return new PagedResponse<>(page.apply(calls.unary(method, request)), fetch, fetchAsync);
  }

  /** As {@link #list}, the first page fetched without blocking. */
  static <Q, P, T> CompletableFuture<PagedResponse<T>> listAsync(Calls calls,
      io.grpc.MethodDescriptor<Q, P> method, Q request, BiFunction<Q, String, Q> withToken,
      Function<P, Page<T>> page) {
    Function<String, Page<T>> fetch =
        token -> page.apply(calls.unary(method, withToken.apply(request, token)));
    Function<String, CompletableFuture<Page<T>>> fetchAsync = token ->
        calls.unaryAsync(method, withToken.apply(request, token)).thenApply(page);
    return calls.unaryAsync(method, request)
        .thenApply(response -> new PagedResponse<>(page.apply(response), fetch, fetchAsync));
  }

  /**
   * Whether there is a page after this one.
   *
   * @return true if {@link #nextPageToken()} is not empty
   */
  public boolean hasNextPage() {
    return first.hasNextPage();
  }

  /**
   * The next page, fetched without blocking, as a response of its own (whose
   * {@code nextPageAsync()} goes on from there).
   *
   * <pre>{@code
   * roster.users().listAsync(request)
   *     .thenCompose(page -> page.hasNextPage() ? page.nextPageAsync() : ...);
   * }</pre>
   *
   * @return the next page; fails with {@link java.util.NoSuchElementException} on the last page
   */
  public CompletableFuture<PagedResponse<T>> nextPageAsync() {
    if (!first.hasNextPage()) {
      return CompletableFuture.failedFuture(new NoSuchElementException("this is the last page"));
    }
    return fetchAsync.apply(first.nextPageToken())
        .thenApply(next -> new PagedResponse<>(next, fetch, fetchAsync));
  }

  /**
   * The first page's items.
   *
   * @return the items
   */
  public List<T> page() {
    return first.items();
  }

  /**
   * The first page's next-page token; empty if it was the last.
   *
   * @return the token
   */
  public String nextPageToken() {
    return first.nextPageToken();
  }

  /**
   * Every page, starting with the first; each further page is fetched when reached.
   *
   * @return the pages
   */
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

  /**
   * Every item of every page, fetching pages as the iteration reaches them.
   *
   * @return the items
   */
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

  /**
   * {@link #iterateAll()} as a sequential stream; pages are fetched as the stream is consumed.
   *
   * @return the items
   */
  public Stream<T> stream() {
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(iterateAll().iterator(), Spliterator.ORDERED), false);
  }
}
