package dev.roster.platform.errors;

import java.util.Map;

/** The call ran out of time and its database work was cancelled (DEADLINE_EXCEEDED). */
public non-sealed class DeadlineExceededException extends RosterException {
  public DeadlineExceededException(String message) {
    super("DEADLINE_EXCEEDED", message, Map.of());
  }
}
