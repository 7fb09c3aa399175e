package dev.roster.accounts;

import dev.roster.platform.errors.AlreadyExistsException;
import java.util.Map;
import java.util.UUID;

/** Another live user of the organization already has the email, ignoring case (ALREADY_EXISTS). */
public final class EmailTakenException extends AlreadyExistsException {
  public EmailTakenException(UUID organizationId, String email) {
    super("EMAIL_TAKEN", "a user with email \"" + email + "\" already exists in organization " + organizationId, Map.of("field", "email", "email", email, "organizationId", organizationId.toString()));
  }
}
