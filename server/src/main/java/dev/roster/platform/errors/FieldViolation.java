package dev.roster.platform.errors;

/**
 * One bad field of a request.
 *
 * @param field the field's path in the request, snake_case, dot-separated (for example
 *     {@code user.email})
 * @param reason stable UPPER_SNAKE_CASE reason (for example {@code INVALID_EMAIL})
 * @param description a sentence for people saying what is wrong and what is expected
 */
public record FieldViolation(String field, String reason, String description) {

  /** The same violation, with its field nested under {@code prefix}. */
  public FieldViolation under(String prefix) {
    return new FieldViolation(prefix + "." + field, reason, description);
  }
}
