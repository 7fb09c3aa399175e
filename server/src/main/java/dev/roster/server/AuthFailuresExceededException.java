package dev.roster.server;

import dev.roster.platform.errors.ResourceExhaustedException;
import java.time.Duration;
import java.util.Map;

/**
 * The client address failed to authenticate too often; it is refused before its key is even
 * looked up (RESOURCE_EXHAUSTED, AUTH_FAILURES_EXCEEDED).
 */
final class AuthFailuresExceededException extends ResourceExhaustedException {
  AuthFailuresExceededException(String peer) {
    super("AUTH_FAILURES_EXCEEDED", "too many failed authentications from this address; retry"
        + " later", Duration.ofSeconds(1), Map.of("peer", peer));
  }
}
