package dev.roster.accounts;

import dev.roster.platform.errors.AlreadyExistsException;
import java.util.Map;

/** Another live organization already has the slug (ALREADY_EXISTS). */
public final class SlugTakenException extends AlreadyExistsException {
  public SlugTakenException(String slug) {
    super("SLUG_TAKEN", "an organization with slug \"" + slug + "\" already exists", Map.of("field", "slug", "slug", slug));
  }
}
