package dev.roster.access;

import dev.roster.platform.errors.UnauthenticatedException;

/** The key's expire time has passed (UNAUTHENTICATED, API_KEY_EXPIRED). */
public final class ApiKeyExpiredException extends UnauthenticatedException {
  public ApiKeyExpiredException() {
    super("API_KEY_EXPIRED", "the API key has expired");
  }
}
