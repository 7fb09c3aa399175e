package dev.roster.platform.errors;

import java.util.Map;

/** The caller tried to create or claim something that is already there (ALREADY_EXISTS). */
public abstract non-sealed class AlreadyExistsException extends RosterException {
  protected AlreadyExistsException(String reason, String message, Map<String, String> metadata) {
    super(reason, message, metadata);
  }
}
