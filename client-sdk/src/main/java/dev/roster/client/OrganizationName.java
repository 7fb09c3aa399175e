package dev.roster.client;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resource name {@code organizations/{uuid}}, built and parsed safely (no string concatenation
 * in callers, no half-valid names).
 *
 * @param id the organization's UUID
 */
public record OrganizationName(UUID id) {
  static final String UUID_RE =
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
  private static final Pattern PATTERN = Pattern.compile("organizations/(" + UUID_RE + ")");

  public static OrganizationName of(UUID id) {
    return new OrganizationName(id);
  }

  /**
   * Parses {@code organizations/{uuid}}.
   *
   * @throws IllegalArgumentException if {@code name} is not of that form
   */
  public static OrganizationName parse(String name) {
    Matcher m = PATTERN.matcher(name);
    if (!m.matches()) {
      throw new IllegalArgumentException("not an organization name (organizations/{uuid}): " + name);
    }
    return new OrganizationName(UUID.fromString(m.group(1)));
  }

  /** The name of this organization's user {@code userId}. */
  public UserName user(UUID userId) {
    return new UserName(id, userId);
  }

  @Override
  public String toString() {
    return "organizations/" + id;
  }
}
