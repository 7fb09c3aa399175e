package dev.roster.client;

import io.grpc.Status;

/** A quota or limit was hit (RESOURCE_EXHAUSTED); see the subclasses for rate limits and oversized requests. */
public class ResourceExhaustedException extends RosterException {
  ResourceExhaustedException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.RESOURCE_EXHAUSTED, message, details, cause);
  }
}
