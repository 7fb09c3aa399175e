package dev.roster.client;

import io.grpc.Status;
import java.util.Map;

/** Roster or its database could not be reached; retried automatically for idempotent calls (UNAVAILABLE). */
public class UnavailableException extends RosterException {
  UnavailableException(String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(Status.Code.UNAVAILABLE, reason, message, metadata, cause);
  }
}
