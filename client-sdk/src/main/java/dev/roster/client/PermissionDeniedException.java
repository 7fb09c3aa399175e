package dev.roster.client;

import io.grpc.Status;

/** The API key lacks the scope, or the resource belongs to another organization (PERMISSION_DENIED). */
public class PermissionDeniedException extends RosterException {
  PermissionDeniedException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.PERMISSION_DENIED, message, details, cause);
  }
}
