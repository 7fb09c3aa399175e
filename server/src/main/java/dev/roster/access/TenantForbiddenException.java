package dev.roster.access;

import dev.roster.platform.errors.PermissionDeniedException;
import java.util.Map;
import java.util.UUID;

/**
 * An organization's key named another organization (PERMISSION_DENIED, TENANT_FORBIDDEN). Raised
 * before anything is read, so it says nothing about whether that organization exists.
 */
public final class TenantForbiddenException extends PermissionDeniedException {
  public TenantForbiddenException(UUID organizationId) {
    super("TENANT_FORBIDDEN", "this API key may not access organizations/" + organizationId,
        Map.of("resource", "organizations/" + organizationId));
  }
}
