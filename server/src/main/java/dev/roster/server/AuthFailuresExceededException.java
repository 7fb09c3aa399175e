package dev.roster.server;

import dev.roster.platform.errors.ResourceExhaustedException;
import java.time.Duration;
import java.util.Map;

/**
 * The client address group used up a budget of the authentication brake ({@link AuthBrake}), so
 * this call is refused before its key is looked up (RESOURCE_EXHAUSTED, AUTH_FAILURES_EXCEEDED,
 * metadata {@code peer}: the address group, {@code budget}: which budget). Only calls whose key
 * could not be known to verify are refused so; {@link #retryDelay()} is the wait until the budget
 * has a token again.
 */
final class AuthFailuresExceededException extends ResourceExhaustedException {
  AuthFailuresExceededException(String peer, AuthBrake.Budget budget, Duration wait) {
    super("AUTH_FAILURES_EXCEEDED", "too many failed authentications from this address ("
            + budget.description + "); retry after " + wait.toMillis() + " ms", wait,
        Map.of("peer", peer, "budget", budget.metadata));
  }
}
