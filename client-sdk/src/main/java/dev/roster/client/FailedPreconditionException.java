package dev.roster.client;

import io.grpc.Status;
import java.util.Map;

/** The resource is not in a state that allows the call, e.g. it is deleted (FAILED_PRECONDITION). */
public class FailedPreconditionException extends RosterException {
  FailedPreconditionException(String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(Status.Code.FAILED_PRECONDITION, reason, message, metadata, cause);
  }
}
