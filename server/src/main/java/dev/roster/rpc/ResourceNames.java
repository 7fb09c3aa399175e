package dev.roster.rpc;

import dev.roster.platform.errors.InvalidArgumentException;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and formats resource names. Only the canonical form is accepted (lower-case hyphenated
 * UUIDs), so every resource has exactly one name and names compare as strings.
 */
final class ResourceNames {
  private static final String UUID_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
  private static final Pattern ORGANIZATION = Pattern.compile("organizations/(" + UUID_RE + ")");
  private static final Pattern USER =
      Pattern.compile("organizations/(" + UUID_RE + ")/users/(" + UUID_RE + ")");

  private static final Pattern API_KEY =
      Pattern.compile("(?:organizations/(" + UUID_RE + ")/)?apiKeys/(" + UUID_RE + ")");

  /** A parsed user name. */
  record UserName(UUID organizationId, UUID userId) {}

  private static final Pattern OPERATION =
      Pattern.compile("organizations/(" + UUID_RE + ")/operations/(" + UUID_RE + ")");

  /** A parsed operation name. */
  record OperationName(UUID organizationId, UUID operationId) {}

  static String operation(UUID organizationId, UUID operationId) {
    return "organizations/" + organizationId + "/operations/" + operationId;
  }

  /** Parses {@code organizations/{uuid}/operations/{uuid}}. */
  static OperationName parseOperation(String field, String name) {
    Matcher m = OPERATION.matcher(require(field, name));
    if (!m.matches()) {
      throw invalid(field, name, "organizations/{uuid}/operations/{uuid}");
    }
    return new OperationName(UUID.fromString(m.group(1)), UUID.fromString(m.group(2)));
  }

  /** A parsed API key name; no organization for a platform-admin key. */
  record ApiKeyName(Optional<UUID> organizationId, UUID keyId) {}

  private ResourceNames() {}

  static String organization(UUID id) {
    return "organizations/" + id;
  }

  static String user(UUID organizationId, UUID userId) {
    return "organizations/" + organizationId + "/users/" + userId;
  }

  /** Parses {@code organizations/{uuid}} found in request field {@code field}. */
  static UUID parseOrganization(String field, String name) {
    Matcher m = ORGANIZATION.matcher(require(field, name));
    if (!m.matches()) {
      throw invalid(field, name, "organizations/{uuid}");
    }
    return UUID.fromString(m.group(1));
  }

  /** Parses {@code organizations/{uuid}/users/{uuid}} found in request field {@code field}. */
  static UserName parseUser(String field, String name) {
    Matcher m = USER.matcher(require(field, name));
    if (!m.matches()) {
      throw invalid(field, name, "organizations/{uuid}/users/{uuid}");
    }
    return new UserName(UUID.fromString(m.group(1)), UUID.fromString(m.group(2)));
  }

  static String apiKey(Optional<UUID> organizationId, UUID keyId) {
    return organizationId.map(o -> "organizations/" + o + "/").orElse("") + "apiKeys/" + keyId;
  }

  /** Parses {@code organizations/{uuid}/apiKeys/{uuid}} or {@code apiKeys/{uuid}}. */
  static ApiKeyName parseApiKey(String field, String name) {
    Matcher m = API_KEY.matcher(require(field, name));
    if (!m.matches()) {
      throw invalid(field, name, "organizations/{uuid}/apiKeys/{uuid} or apiKeys/{uuid}");
    }
    return new ApiKeyName(Optional.ofNullable(m.group(1)).map(UUID::fromString),
        UUID.fromString(m.group(2)));
  }

  private static String require(String field, String name) {
    if (name.isEmpty()) {
      throw InvalidArgumentException.of(field, "FIELD_REQUIRED", "is required");
    }
    return name;
  }

  private static InvalidArgumentException invalid(String field, String name, String pattern) {
    String shown = name.length() > 100 ? name.substring(0, 100) + "..." : name;
    return InvalidArgumentException.of(field, "INVALID_RESOURCE_NAME",
        "must be a resource name of the form " + pattern + " with lower-case UUIDs, got \""
            + shown.replaceAll("\\p{Cntrl}", "?") + "\"");
  }
}
