package dev.roster.platform.errors;

import java.util.Map;

/**
 * The caller is known but may not do this (PERMISSION_DENIED). Raised before anything is read, so
 * the answer is the same whether the resource exists or not.
 */
public abstract non-sealed class PermissionDeniedException extends RosterException {
  protected PermissionDeniedException(String reason, String message, Map<String, String> metadata) {
    super(reason, message, metadata);
  }
}
