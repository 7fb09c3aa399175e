package dev.roster.client;

import io.grpc.Status;

/** Unrecoverable data loss or corruption (DATA_LOSS). */
public class DataLossException extends RosterException {
  DataLossException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.DATA_LOSS, message, details, cause);
  }
}
