package dev.roster.access;

import dev.roster.platform.errors.PermissionDeniedException;
import java.util.Map;

/**
 * A key tried to grant a new key a scope it does not have itself (PERMISSION_DENIED,
 * SCOPE_ESCALATION).
 */
public final class ScopeEscalationException extends PermissionDeniedException {
  public ScopeEscalationException(Scope scope) {
    super("SCOPE_ESCALATION", "this API key cannot grant the scope " + scope + " it does not have",
        Map.of("scope", scope.name()));
  }
}
