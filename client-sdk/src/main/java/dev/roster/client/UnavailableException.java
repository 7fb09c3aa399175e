package dev.roster.client;

import io.grpc.Status;

/** Roster, or its database, could not be reached; the SDK already retried idempotent calls (UNAVAILABLE). */
public class UnavailableException extends RosterException {
  UnavailableException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.UNAVAILABLE, message, details, cause);
  }
}
