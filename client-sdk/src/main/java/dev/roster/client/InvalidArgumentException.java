package dev.roster.client;

import io.grpc.Status;
import java.util.List;

/** The request is malformed; {@link #fieldViolations()} names every bad field (INVALID_ARGUMENT). */
public final class InvalidArgumentException extends RosterException {
  /**
   * One bad field.
   *
   * @param field the field's path in the request, e.g. {@code user.email}
   * @param reason stable reason, e.g. {@code INVALID_FORMAT}
   * @param description what is wrong, for people
   */
  public record FieldViolation(String field, String reason, String description) {}

  InvalidArgumentException(String message, ErrorDetails details, Throwable cause) {
    super(Status.Code.INVALID_ARGUMENT, message, details, cause);
  }

  /**
   * Every bad field, from the {@code google.rpc.BadRequest} detail.
   *
   * @return the violations, possibly empty
   */
  public List<FieldViolation> fieldViolations() {
    return errorDetails().violations();
  }
}
