package dev.roster.client;

import io.grpc.Status;
import java.util.Map;

/** The API key is missing, malformed, unknown, revoked or expired (UNAUTHENTICATED). */
public class UnauthenticatedException extends RosterException {
  UnauthenticatedException(String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(Status.Code.UNAUTHENTICATED, reason, message, metadata, cause);
  }
}
