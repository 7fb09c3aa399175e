package dev.roster.accounts;

import dev.roster.platform.errors.NotFoundException;
import java.util.Map;
import java.util.UUID;

/** No organization has the given id (NOT_FOUND). */
public final class OrganizationNotFoundException extends NotFoundException {
  public OrganizationNotFoundException(UUID organizationId) {
    super("ORGANIZATION_NOT_FOUND", "organization " + organizationId + " does not exist", Map.of("organizationId", organizationId.toString()));
  }
}
