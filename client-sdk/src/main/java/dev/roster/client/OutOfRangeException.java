package dev.roster.client;

import io.grpc.Status;

/** A value is past the valid range, e.g. a page beyond the end (OUT_OF_RANGE). */
public class OutOfRangeException extends RosterException {
  OutOfRangeException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.OUT_OF_RANGE, message, details, cause);
  }
}
