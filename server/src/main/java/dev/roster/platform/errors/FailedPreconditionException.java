package dev.roster.platform.errors;

import java.util.Map;

/** The resource is not in a state that allows the operation (FAILED_PRECONDITION). */
public abstract non-sealed class FailedPreconditionException extends RosterException {
  protected FailedPreconditionException(String reason, String message, Map<String, String> metadata) {
    super(reason, message, metadata);
  }
}
