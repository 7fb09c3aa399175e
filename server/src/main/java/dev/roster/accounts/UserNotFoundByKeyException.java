package dev.roster.accounts;

import dev.roster.platform.errors.NotFoundException;
import java.util.Map;
import java.util.UUID;

/** No live user of the organization has the handle or email looked up (NOT_FOUND). */
public final class UserNotFoundByKeyException extends NotFoundException {
  public UserNotFoundByKeyException(UUID organizationId, String key, String value) {
    super("USER_NOT_FOUND", "no live user of organization " + organizationId + " has " + key + " " + value, Map.of("organizationId", organizationId.toString(), key, value));
  }
}
