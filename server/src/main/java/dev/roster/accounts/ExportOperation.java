package dev.roster.accounts;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A users export: a long-running operation that a worker carries out.
 *
 * @param organizationId the organization exported
 * @param id the operation's id
 * @param filter the AIP-160 filter of the users exported
 * @param jobId the job that carries it out
 * @param done whether it has finished (with a result or an error)
 * @param cancelRequested whether a caller asked to cancel it
 * @param exportedCount users written so far
 * @param result what was written, once done without error (read the file with
 *     {@link Accounts#readExport})
 * @param error why it failed or stopped, once done with an error
 * @param createTime when it was requested
 * @param updateTime when its progress last changed
 * @param expireTime once done, when the operation and its file expire: from then on it reads as
 *     not found, and the expiry job deletes both
 */
public record ExportOperation(
    UUID organizationId,
    UUID id,
    String filter,
    Optional<UUID> jobId,
    boolean done,
    boolean cancelRequested,
    long exportedCount,
    Optional<Result> result,
    Optional<Failure> error,
    Instant createTime,
    Instant updateTime,
    Optional<Instant> expireTime) {

  /**
   * A finished export: a gzip-compressed NDJSON file on the server's storage, which callers read
   * through the operation (its path is never handed out).
   *
   * @param userCount users in it
   * @param byteCount its size in bytes
   */
  public record Result(long userCount, long byteCount) {}

  /**
   * Why an export ended without a result.
   *
   * @param code a gRPC status code name, e.g. CANCELLED or INTERNAL
   * @param message what happened
   */
  public record Failure(String code, String message) {}
}
