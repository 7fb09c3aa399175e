package dev.roster.access;

import dev.roster.platform.errors.NotFoundException;
import java.util.Map;
import java.util.UUID;

/** No API key with that id belongs to the organization (NOT_FOUND). */
public final class ApiKeyNotFoundException extends NotFoundException {
  public ApiKeyNotFoundException(UUID keyId) {
    super("API_KEY_NOT_FOUND", "API key " + keyId + " does not exist", Map.of("apiKeyId", keyId.toString()));
  }
}
