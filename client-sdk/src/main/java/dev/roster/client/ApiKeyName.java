package dev.roster.client;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resource name of an API key, built and parsed safely: an organization's key
 * {@code organizations/{uuid}/apiKeys/{uuid}}, or a platform-admin key {@code apiKeys/{uuid}}
 * (whose {@link #organizationId()} is null).
 *
 * <pre>{@code
 * ApiKeyName key = ApiKeyName.parse(created.getApiKey().getName());
 * key.organization().ifPresent(org -> System.out.println(org));
 * }</pre>
 *
 * @param organizationId the organization's UUID; null for a platform-admin key
 * @param keyId the key's UUID
 */
public record ApiKeyName(UUID organizationId, UUID keyId) {
  private static final Pattern ORGANIZATION_KEY = Pattern.compile("organizations/("
      + OrganizationName.UUID_RE + ")/apiKeys/(" + OrganizationName.UUID_RE + ")");
  private static final Pattern PLATFORM_KEY =
      Pattern.compile("apiKeys/(" + OrganizationName.UUID_RE + ")");

  /** Checks that the key's UUID is there; the organization may be null (a platform-admin key). */
  public ApiKeyName {
    Objects.requireNonNull(keyId, "keyId");
  }

  /** The name of organization {@code organizationId}'s key {@code keyId}. */
  public static ApiKeyName of(UUID organizationId, UUID keyId) {
    return new ApiKeyName(Objects.requireNonNull(organizationId, "organizationId"), keyId);
  }

  /** The name of the platform-admin key {@code keyId}, {@code apiKeys/{uuid}}. */
  public static ApiKeyName platform(UUID keyId) {
    return new ApiKeyName(null, keyId);
  }

  /** The string form, {@code organizations/{organizationId}/apiKeys/{keyId}}. */
  public static String format(UUID organizationId, UUID keyId) {
    return of(organizationId, keyId).toString();
  }

  /**
   * Parses {@code organizations/{uuid}/apiKeys/{uuid}} or {@code apiKeys/{uuid}}.
   *
   * @throws IllegalArgumentException if {@code name} is of neither form
   */
  public static ApiKeyName parse(String name) {
    Matcher m = ORGANIZATION_KEY.matcher(name);
    if (m.matches()) {
      return new ApiKeyName(UUID.fromString(m.group(1)), UUID.fromString(m.group(2)));
    }
    m = PLATFORM_KEY.matcher(name);
    if (m.matches()) {
      return new ApiKeyName(null, UUID.fromString(m.group(1)));
    }
    throw new IllegalArgumentException("not an API key name "
        + "(organizations/{uuid}/apiKeys/{uuid} or apiKeys/{uuid}): " + name);
  }

  /** Whether {@link #parse} would accept {@code name} (false for null). */
  public static boolean isParsableFrom(String name) {
    return name != null
        && (ORGANIZATION_KEY.matcher(name).matches() || PLATFORM_KEY.matcher(name).matches());
  }

  /** Whether this is a platform-admin key ({@code apiKeys/{uuid}}), which has no organization. */
  public boolean isPlatform() {
    return organizationId == null;
  }

  /** The organization the key belongs to; empty for a platform-admin key. */
  public Optional<OrganizationName> organization() {
    return Optional.ofNullable(organizationId).map(OrganizationName::new);
  }

  @Override
  public String toString() {
    return organizationId == null
        ? "apiKeys/" + keyId
        : "organizations/" + organizationId + "/apiKeys/" + keyId;
  }
}
