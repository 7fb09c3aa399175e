package dev.roster.accounts;

import dev.roster.platform.errors.FailedPreconditionException;
import java.util.Map;
import java.util.UUID;

/** The operation needs a live organization, and this one is deleted (FAILED_PRECONDITION). */
public final class OrganizationDeletedException extends FailedPreconditionException {
  public OrganizationDeletedException(UUID organizationId) {
    super("ORGANIZATION_DELETED", "organization " + organizationId + " is deleted", Map.of("organizationId", organizationId.toString()));
  }
}
