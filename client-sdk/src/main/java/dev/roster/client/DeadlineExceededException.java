package dev.roster.client;

import io.grpc.Status;

/** The call did not finish within its deadline, retries included (DEADLINE_EXCEEDED). */
public class DeadlineExceededException extends RosterException {
  DeadlineExceededException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.DEADLINE_EXCEEDED, message, details, cause);
  }
}
