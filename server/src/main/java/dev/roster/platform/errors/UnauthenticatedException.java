package dev.roster.platform.errors;

import java.util.Map;

/** The caller did not prove who it is: no, malformed, unknown, expired or revoked credentials (UNAUTHENTICATED). */
public abstract non-sealed class UnauthenticatedException extends RosterException {
  protected UnauthenticatedException(String reason, String message) {
    super(reason, message, Map.of());
  }
}
