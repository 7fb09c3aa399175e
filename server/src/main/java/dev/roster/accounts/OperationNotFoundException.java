package dev.roster.accounts;

import dev.roster.platform.errors.NotFoundException;
import java.util.Map;
import java.util.UUID;

/** The organization has no operation with that id (NOT_FOUND). */
public final class OperationNotFoundException extends NotFoundException {
  public OperationNotFoundException(UUID organizationId, UUID operationId) {
    super("OPERATION_NOT_FOUND", "operation " + operationId + " does not exist in organization "
        + organizationId, Map.of("organizationId", organizationId.toString(),
        "operationId", operationId.toString()));
  }
}
