package dev.roster.access;

import dev.roster.platform.errors.UnauthenticatedException;

/** The call carries no API key at all (UNAUTHENTICATED, API_KEY_MISSING). */
public final class ApiKeyMissingException extends UnauthenticatedException {
  public ApiKeyMissingException() {
    super("API_KEY_MISSING",
        "this call needs an API key: send the header \"authorization: Bearer <key>\"");
  }
}
