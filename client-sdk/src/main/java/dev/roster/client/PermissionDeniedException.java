package dev.roster.client;

import io.grpc.Status;
import java.util.Map;

/** The API key may not do this: missing scope, other tenant, or admin only (PERMISSION_DENIED). */
public class PermissionDeniedException extends RosterException {
  PermissionDeniedException(String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(Status.Code.PERMISSION_DENIED, reason, message, metadata, cause);
  }
}
