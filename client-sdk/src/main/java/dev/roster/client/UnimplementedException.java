package dev.roster.client;

import io.grpc.Status;

/** The server does not implement this method, e.g. an older Roster (UNIMPLEMENTED). */
public class UnimplementedException extends RosterException {
  UnimplementedException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.UNIMPLEMENTED, message, details, cause);
  }
}
