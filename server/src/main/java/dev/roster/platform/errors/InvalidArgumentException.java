package dev.roster.platform.errors;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The request is malformed: one or more fields are missing, too long, or of the wrong format
 * (INVALID_ARGUMENT). Carries every violation found, so a caller can fix them at once. The
 * {@link #reason()} is the first violation's reason.
 *
 * <p>What reaches the client is bounded, because a request can be made to produce any number of
 * violations (50 bad update_mask paths) and the error travels in trailers that clients cap at
 * 8 KiB: only the first {@value #MAX_REPORTED} violations are reported
 * ({@link #reportedViolations()}), each field cut to {@value #MAX_FIELD_BYTES} and description to
 * {@value #MAX_DESCRIPTION_BYTES} UTF-8 bytes; the rest are counted in the message and in the
 * {@code omittedViolations} metadata.
 */
public non-sealed class InvalidArgumentException extends RosterException {
  /** Violations reported to the client; the rest are only counted. */
  public static final int MAX_REPORTED = 10;
  static final int MAX_FIELD_BYTES = 100;
  static final int MAX_DESCRIPTION_BYTES = 200;
  static final int MAX_MESSAGE_BYTES = 512;

  private final List<FieldViolation> violations;

  public InvalidArgumentException(List<FieldViolation> violations) {
    super(violations.get(0).reason(), message(violations), metadata(violations));
    this.violations = List.copyOf(violations);
  }

  public InvalidArgumentException(FieldViolation violation) {
    this(List.of(violation));
  }

  /**
   * For rules about the request as a whole rather than a field of it (for example a message that
   * cannot be decoded): no field violations, so the client gets ErrorInfo without BadRequest.
   */
  protected InvalidArgumentException(String reason, String message, Map<String, String> metadata) {
    super(reason, message, metadata);
    this.violations = List.of();
  }

  public static InvalidArgumentException of(String field, String reason, String description) {
    return new InvalidArgumentException(new FieldViolation(field, reason, description));
  }

  /** Every violation found, unbounded (for code and tests; clients see {@link #reportedViolations}). */
  public List<FieldViolation> violations() {
    return violations;
  }

  /** The first {@value #MAX_REPORTED} violations, with field and description cut to size. */
  public List<FieldViolation> reportedViolations() {
    return violations.stream().limit(MAX_REPORTED)
        .map(v -> new FieldViolation(BoundedText.utf8(v.field(), MAX_FIELD_BYTES), v.reason(),
            BoundedText.utf8(v.description(), MAX_DESCRIPTION_BYTES)))
        .toList();
  }

  /** How many violations were found beyond the reported ones. */
  public int omittedViolations() {
    return Math.max(0, violations.size() - MAX_REPORTED);
  }

  /** The same violations, with every field nested under {@code prefix}. */
  public InvalidArgumentException under(String prefix) {
    return new InvalidArgumentException(violations.stream().map(v -> v.under(prefix)).toList());
  }

  private static String message(List<FieldViolation> violations) {
    String listed = violations.stream().limit(MAX_REPORTED)
        .map(v -> BoundedText.utf8(v.field(), MAX_FIELD_BYTES) + ": " + v.description())
        .collect(Collectors.joining("; "));
    int omitted = violations.size() - MAX_REPORTED;
    String more = omitted > 0 ? " (and " + omitted + " more)" : "";
    return BoundedText.utf8(listed, MAX_MESSAGE_BYTES - more.length()) + more;
  }

  private static Map<String, String> metadata(List<FieldViolation> violations) {
    int omitted = violations.size() - MAX_REPORTED;
    return omitted > 0 ? Map.of("omittedViolations", Integer.toString(omitted)) : Map.of();
  }
}
