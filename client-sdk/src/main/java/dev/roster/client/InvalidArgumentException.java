package dev.roster.client;

import io.grpc.Status;
import java.util.List;
import java.util.Map;

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

  private final List<FieldViolation> fieldViolations;

  InvalidArgumentException(String reason, String message, Map<String, String> metadata,
      List<FieldViolation> fieldViolations, Throwable cause) {
    super(Status.Code.INVALID_ARGUMENT, reason, message, metadata, cause);
    this.fieldViolations = List.copyOf(fieldViolations);
  }

  public List<FieldViolation> fieldViolations() {
    return fieldViolations;
  }
}
