package dev.roster.client;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resource name {@code organizations/{uuid}/operations/{uuid}} of a long-running operation (a
 * users export), built and parsed safely.
 *
 * <pre>{@code
 * OperationName name = OperationName.parse(future.getName());
 * OrganizationName org = name.organization();
 * }</pre>
 *
 * @param organizationId the organization's UUID
 * @param operationId the operation's UUID
 */
public record OperationName(UUID organizationId, UUID operationId) {
  private static final Pattern PATTERN = Pattern.compile("organizations/("
      + OrganizationName.UUID_RE + ")/operations/(" + OrganizationName.UUID_RE + ")");

  /** The name of operation {@code operationId} of organization {@code organizationId}. */
  public static OperationName of(UUID organizationId, UUID operationId) {
    return new OperationName(organizationId, operationId);
  }

  /** The string form, {@code organizations/{organizationId}/operations/{operationId}}. */
  public static String format(UUID organizationId, UUID operationId) {
    return of(organizationId, operationId).toString();
  }

  /**
   * Parses {@code organizations/{uuid}/operations/{uuid}}.
   *
   * @throws IllegalArgumentException if {@code name} is not of that form
   */
  public static OperationName parse(String name) {
    Matcher m = PATTERN.matcher(name);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not an operation name (organizations/{uuid}/operations/{uuid}): " + name);
    }
    return new OperationName(UUID.fromString(m.group(1)), UUID.fromString(m.group(2)));
  }

  /** Whether {@link #parse} would accept {@code name} (false for null). */
  public static boolean isParsableFrom(String name) {
    return name != null && PATTERN.matcher(name).matches();
  }

  /** The organization the operation belongs to. */
  public OrganizationName organization() {
    return new OrganizationName(organizationId);
  }

  @Override
  public String toString() {
    return "organizations/" + organizationId + "/operations/" + operationId;
  }
}
