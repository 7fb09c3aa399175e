package dev.roster.client;

import io.grpc.Status;

/** The call was cancelled, usually by the caller (CANCELLED). */
public class CancelledException extends RosterException {
  CancelledException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.CANCELLED, message, details, cause);
  }
}
