package dev.roster.accounts;

import dev.roster.platform.errors.NotFoundException;
import java.util.Map;
import java.util.UUID;

/** No user of the organization has the given id (NOT_FOUND). */
public final class UserNotFoundException extends NotFoundException {
  public UserNotFoundException(UUID organizationId, UUID userId) {
    super("USER_NOT_FOUND", "user " + userId + " does not exist in organization " + organizationId, Map.of("organizationId", organizationId.toString(), "userId", userId.toString()));
  }
}
