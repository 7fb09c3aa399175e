package dev.roster.client;

import java.util.Map;

/**
 * The etag sent is not the resource's current one: someone changed it in between. Read it again,
 * re-apply the change, and retry.
 */
public final class EtagMismatchException extends AbortedException {
  EtagMismatchException(String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(reason, message, metadata, cause);
  }

  /** The resource's current etag, as the server reported it. */
  public String currentEtag() {
    return metadata().getOrDefault("currentEtag", "");
  }
}
