package dev.roster.access;

import dev.roster.platform.errors.UnauthenticatedException;

/** The key has been revoked (UNAUTHENTICATED, API_KEY_REVOKED). */
public final class ApiKeyRevokedException extends UnauthenticatedException {
  public ApiKeyRevokedException() {
    super("API_KEY_REVOKED", "the API key has been revoked");
  }
}
