package dev.roster.client;

/**
 * The etag sent is not the resource's current one: someone changed it in between. Read it again,
 * re-apply the change, and retry.
 */
public final class EtagMismatchException extends AbortedException {
  EtagMismatchException(String message, ErrorDetails details, Throwable cause) {
    super(message, details, cause);
  }

  /**
   * The resource's current etag, as the server reported it.
   *
   * @return the current etag, or empty if the server did not say
   */
  public String currentEtag() {
    return metadata().getOrDefault("currentEtag", "");
  }
}
