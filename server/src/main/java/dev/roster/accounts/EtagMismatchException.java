package dev.roster.accounts;

import dev.roster.platform.errors.AbortedException;
import java.util.Map;
import java.util.UUID;

/** The etag sent is not the resource's current one: someone changed it in between (ABORTED). */
public final class EtagMismatchException extends AbortedException {
  public EtagMismatchException(UUID id, String expected, String actual) {
    super("ETAG_MISMATCH", "etag \"" + expected + "\" does not match the current etag \"" + actual + "\" of " + id + "; read it again and retry", Map.of("id", id.toString(), "currentEtag", actual));
  }
}
