package dev.roster.accounts;

import dev.roster.platform.errors.NotFoundException;
import java.util.Map;
import java.util.UUID;

/**
 * The export finished, but its file is not on this server's storage (NOT_FOUND,
 * EXPORT_FILE_NOT_FOUND): it was deleted, or it was written by a worker whose data directory this
 * process does not share.
 */
public final class ExportFileMissingException extends NotFoundException {
  ExportFileMissingException(UUID organizationId, UUID id) {
    super("EXPORT_FILE_NOT_FOUND", "the file of export " + id + " is not available on this server",
        Map.of("organizationId", organizationId.toString(), "operationId", id.toString()));
  }
}
