package dev.roster.platform.errors;

import java.util.Map;

/** A concurrency conflict, such as a stale etag; re-read and retry (ABORTED). */
public abstract non-sealed class AbortedException extends RosterException {
  protected AbortedException(String reason, String message, Map<String, String> metadata) {
    super(reason, message, metadata);
  }
}
