package dev.roster.client;

import io.grpc.Status;

/** The call lost a race with another write; read again and retry (ABORTED). */
public class AbortedException extends RosterException {
  AbortedException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.ABORTED, message, details, cause);
  }
}
