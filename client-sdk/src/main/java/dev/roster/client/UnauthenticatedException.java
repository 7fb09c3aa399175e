package dev.roster.client;

import io.grpc.Status;

/** The API key is missing, unknown, expired or revoked (UNAUTHENTICATED). */
public class UnauthenticatedException extends RosterException {
  UnauthenticatedException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.UNAUTHENTICATED, message, details, cause);
  }
}
