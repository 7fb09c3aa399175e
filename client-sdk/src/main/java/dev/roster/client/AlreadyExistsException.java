package dev.roster.client;

import io.grpc.Status;
import java.util.Map;

/** A unique value (slug, handle, email) is taken (ALREADY_EXISTS); {@link #reason()} says which. */
public class AlreadyExistsException extends RosterException {
  AlreadyExistsException(String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(Status.Code.ALREADY_EXISTS, reason, message, metadata, cause);
  }
}
