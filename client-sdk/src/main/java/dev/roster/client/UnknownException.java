package dev.roster.client;

import io.grpc.Status;

/** An error without a known cause, often a connection closed under the call (UNKNOWN). */
public class UnknownException extends RosterException {
  UnknownException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.UNKNOWN, message, details, cause);
  }
}
