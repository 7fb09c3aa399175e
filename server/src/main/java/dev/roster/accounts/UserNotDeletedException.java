package dev.roster.accounts;

import dev.roster.platform.errors.FailedPreconditionException;
import java.util.Map;
import java.util.UUID;

/** Only a deleted user can be undeleted (FAILED_PRECONDITION). */
public final class UserNotDeletedException extends FailedPreconditionException {
  public UserNotDeletedException(UUID organizationId, UUID userId) {
    super("USER_NOT_DELETED", "user " + userId + " is not deleted", Map.of("organizationId", organizationId.toString(), "userId", userId.toString()));
  }
}
