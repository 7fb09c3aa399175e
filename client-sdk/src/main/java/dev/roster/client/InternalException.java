package dev.roster.client;

import io.grpc.Status;

/** A bug or broken invariant on the server; the metadata carries an incident id to quote (INTERNAL). */
public class InternalException extends RosterException {
  InternalException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.INTERNAL, message, details, cause);
  }
}
