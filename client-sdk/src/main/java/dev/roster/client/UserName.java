package dev.roster.client;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resource name {@code organizations/{uuid}/users/{uuid}}, built and parsed safely.
 *
 * @param organizationId the organization's UUID
 * @param userId the user's UUID
 */
public record UserName(UUID organizationId, UUID userId) {
  private static final Pattern PATTERN = Pattern.compile("organizations/("
      + OrganizationName.UUID_RE + ")/users/(" + OrganizationName.UUID_RE + ")");

  public static UserName of(UUID organizationId, UUID userId) {
    return new UserName(organizationId, userId);
  }

  /**
   * Parses {@code organizations/{uuid}/users/{uuid}}.
   *
   * @throws IllegalArgumentException if {@code name} is not of that form
   */
  public static UserName parse(String name) {
    Matcher m = PATTERN.matcher(name);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not a user name (organizations/{uuid}/users/{uuid}): " + name);
    }
    return new UserName(UUID.fromString(m.group(1)), UUID.fromString(m.group(2)));
  }

  /** The organization the user belongs to. */
  public OrganizationName organization() {
    return new OrganizationName(organizationId);
  }

  @Override
  public String toString() {
    return "organizations/" + organizationId + "/users/" + userId;
  }
}
