package dev.roster.accounts;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * An organization (tenant) as stored.
 *
 * <p>A read with a field mask fills only the fields asked for; the others are null (and
 * {@code deleteTime} empty). Ids are always set.
 *
 * @param id server-chosen UUIDv7, never changes
 * @param slug unique human-friendly handle among live organizations
 * @param displayName name for display, possibly empty
 * @param createTime when it was created
 * @param updateTime when it last changed
 * @param deleteTime when it was soft-deleted; empty while live
 * @param etag checksum of the current state, for optimistic concurrency
 */
public record Organization(
    UUID id,
    String slug,
    String displayName,
    Instant createTime,
    Instant updateTime,
    Optional<Instant> deleteTime,
    String etag) {

  public boolean isDeleted() {
    return deleteTime.isPresent();
  }
}
