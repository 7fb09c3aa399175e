package dev.roster.client;

import io.grpc.Status;
import java.util.Map;

/** The named resource does not exist (NOT_FOUND). */
public class NotFoundException extends RosterException {
  NotFoundException(String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(Status.Code.NOT_FOUND, reason, message, metadata, cause);
  }
}
