package dev.roster.platform.errors;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The request is malformed: one or more fields are missing, too long, or of the wrong format
 * (INVALID_ARGUMENT). Carries every violation found, so a caller can fix them all at once. The
 * {@link #reason()} is the first violation's reason; the message lists them all.
 */
public non-sealed class InvalidArgumentException extends RosterException {
  private final List<FieldViolation> violations;

  public InvalidArgumentException(List<FieldViolation> violations) {
    super(
        violations.get(0).reason(),
        violations.stream().map(v -> v.field() + ": " + v.description())
            .collect(Collectors.joining("; ")),
        Map.of());
    this.violations = List.copyOf(violations);
  }

  public InvalidArgumentException(FieldViolation violation) {
    this(List.of(violation));
  }

  public static InvalidArgumentException of(String field, String reason, String description) {
    return new InvalidArgumentException(new FieldViolation(field, reason, description));
  }

  public List<FieldViolation> violations() {
    return violations;
  }

  /** The same violations, with every field nested under {@code prefix}. */
  public InvalidArgumentException under(String prefix) {
    return new InvalidArgumentException(violations.stream().map(v -> v.under(prefix)).toList());
  }
}
