package dev.roster.access;

import dev.roster.platform.errors.UnauthenticatedException;

/**
 * No key has this secret: the key does not exist or the secret is wrong, which are
 * indistinguishable on purpose so the answer tells a guesser nothing (UNAUTHENTICATED,
 * API_KEY_INVALID).
 */
public final class ApiKeyInvalidException extends UnauthenticatedException {
  public ApiKeyInvalidException() {
    super("API_KEY_INVALID", "the API key is not valid");
  }
}
