package dev.roster.client;

import io.grpc.Status;
import java.util.Map;

/** The call did not finish within its deadline (DEADLINE_EXCEEDED). */
public class DeadlineExceededException extends RosterException {
  DeadlineExceededException(String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(Status.Code.DEADLINE_EXCEEDED, reason, message, metadata, cause);
  }
}
