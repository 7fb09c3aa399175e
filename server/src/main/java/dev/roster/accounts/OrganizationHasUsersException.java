package dev.roster.accounts;

import dev.roster.platform.errors.FailedPreconditionException;
import java.util.Map;
import java.util.UUID;

/** An organization with live users is deleted only with force (FAILED_PRECONDITION). */
public final class OrganizationHasUsersException extends FailedPreconditionException {
  public OrganizationHasUsersException(UUID organizationId) {
    super("ORGANIZATION_HAS_USERS", "organization " + organizationId + " still has live users; delete them first or set force", Map.of("organizationId", organizationId.toString()));
  }
}
