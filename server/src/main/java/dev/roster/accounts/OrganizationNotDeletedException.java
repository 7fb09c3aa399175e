package dev.roster.accounts;

import dev.roster.platform.errors.FailedPreconditionException;
import java.util.Map;
import java.util.UUID;

/** Only a deleted organization can be undeleted (FAILED_PRECONDITION). */
public final class OrganizationNotDeletedException extends FailedPreconditionException {
  public OrganizationNotDeletedException(UUID organizationId) {
    super("ORGANIZATION_NOT_DELETED", "organization " + organizationId + " is not deleted", Map.of("organizationId", organizationId.toString()));
  }
}
