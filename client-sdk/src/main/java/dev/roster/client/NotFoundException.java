package dev.roster.client;

import io.grpc.Status;

/** The named resource does not exist (NOT_FOUND). */
public class NotFoundException extends RosterException {
  NotFoundException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.NOT_FOUND, message, details, cause);
  }
}
