package dev.roster.access;

import dev.roster.platform.errors.PermissionDeniedException;
import java.util.Map;

/**
 * An organization's key tried a platform-wide operation, which needs a platform-admin key
 * (PERMISSION_DENIED, ADMIN_REQUIRED).
 */
public final class AdminRequiredException extends PermissionDeniedException {
  public AdminRequiredException() {
    super("ADMIN_REQUIRED", "only a platform-admin API key may do this", Map.of());
  }
}
