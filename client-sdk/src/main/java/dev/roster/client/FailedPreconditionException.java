package dev.roster.client;

import io.grpc.Status;

/** The resource is not in a state that allows the call, e.g. a suspended user (FAILED_PRECONDITION). */
public class FailedPreconditionException extends RosterException {
  FailedPreconditionException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.FAILED_PRECONDITION, message, details, cause);
  }
}
