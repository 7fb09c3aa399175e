package dev.roster.access;

import dev.roster.platform.errors.UnauthenticatedException;

/**
 * What the caller sent is no Roster API key: a header of the wrong form, or a secret of none of
 * the shapes Roster issues (UNAUTHENTICATED, API_KEY_MALFORMED).
 */
public final class ApiKeyMalformedException extends UnauthenticatedException {
  /** The presented secret has none of the shapes Roster issues (or is empty or too long). */
  public ApiKeyMalformedException() {
    this("the authorization header does not carry a Roster API key");
  }

  /** The header around the secret is wrong; {@code message} tells the caller how. */
  public ApiKeyMalformedException(String message) {
    super("API_KEY_MALFORMED", message);
  }
}
