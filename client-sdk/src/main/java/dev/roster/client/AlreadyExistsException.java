package dev.roster.client;

import io.grpc.Status;

/** A resource with this unique value (handle, email, slug) already exists (ALREADY_EXISTS). */
public class AlreadyExistsException extends RosterException {
  AlreadyExistsException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.ALREADY_EXISTS, message, details, cause);
  }
}
