package dev.roster.access;

import dev.roster.platform.errors.PermissionDeniedException;
import java.util.Map;

/** The key lacks the scope the call needs (PERMISSION_DENIED, SCOPE_REQUIRED). */
public final class ScopeRequiredException extends PermissionDeniedException {
  public ScopeRequiredException(Scope scope) {
    super("SCOPE_REQUIRED", "this API key lacks the scope " + scope + " needed here",
        Map.of("scope", scope.name()));
  }
}
