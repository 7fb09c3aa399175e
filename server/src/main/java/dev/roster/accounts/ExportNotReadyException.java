package dev.roster.accounts;

import dev.roster.platform.errors.FailedPreconditionException;
import java.util.Map;
import java.util.UUID;

/**
 * The export cannot be read: it has not finished, or it finished without a file (failed or
 * cancelled); FAILED_PRECONDITION with reason EXPORT_NOT_DONE or EXPORT_FAILED.
 */
public final class ExportNotReadyException extends FailedPreconditionException {
  private ExportNotReadyException(String reason, String message, UUID organizationId, UUID id) {
    super(reason, message, Map.of("organizationId", organizationId.toString(),
        "operationId", id.toString()));
  }

  static ExportNotReadyException notDone(UUID organizationId, UUID id) {
    return new ExportNotReadyException("EXPORT_NOT_DONE", "export " + id
        + " has not finished; wait for the operation to be done, then read it", organizationId, id);
  }

  static ExportNotReadyException failed(UUID organizationId, UUID id, String code) {
    return new ExportNotReadyException("EXPORT_FAILED", "export " + id
        + " finished without a file (" + code + "); start a new one", organizationId, id);
  }
}
