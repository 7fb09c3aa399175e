package dev.roster.platform.errors;

import java.util.Map;

/** The thing the caller named does not exist (NOT_FOUND). */
public abstract non-sealed class NotFoundException extends RosterException {
  protected NotFoundException(String reason, String message, Map<String, String> metadata) {
    super(reason, message, metadata);
  }
}
