package dev.roster.client;

import io.grpc.Status;
import java.util.Map;

/** A concurrency conflict; read the resource again and retry (ABORTED). */
public class AbortedException extends RosterException {
  AbortedException(String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(Status.Code.ABORTED, reason, message, metadata, cause);
  }
}
