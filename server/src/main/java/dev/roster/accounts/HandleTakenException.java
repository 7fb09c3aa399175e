package dev.roster.accounts;

import dev.roster.platform.errors.AlreadyExistsException;
import java.util.Map;
import java.util.UUID;

/** Another live user of the organization already has the handle (ALREADY_EXISTS). */
public final class HandleTakenException extends AlreadyExistsException {
  public HandleTakenException(UUID organizationId, String handle) {
    super("HANDLE_TAKEN", "a user with handle \"" + handle + "\" already exists in organization " + organizationId, Map.of("field", "handle", "handle", handle, "organizationId", organizationId.toString()));
  }
}
