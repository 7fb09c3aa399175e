package dev.roster.accounts;

import dev.roster.platform.errors.FailedPreconditionException;
import java.util.Map;
import java.util.UUID;

/** The operation needs a live user, and this one is deleted (FAILED_PRECONDITION). */
public final class UserDeletedException extends FailedPreconditionException {
  public UserDeletedException(UUID organizationId, UUID userId) {
    super("USER_DELETED", "user " + userId + " is deleted; undelete it first", Map.of("organizationId", organizationId.toString(), "userId", userId.toString()));
  }
}
