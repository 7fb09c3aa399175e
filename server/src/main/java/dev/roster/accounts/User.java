package dev.roster.accounts;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A user of one organization, as stored.
 *
 * <p>A read with a field mask fills only the fields asked for; the others are null (and
 * {@code deleteTime} empty). Ids are always set.
 *
 * @param organizationId the organization the user belongs to
 * @param id server-chosen UUIDv7, never changes
 * @param handle unique (among the organization's live users) human-friendly handle
 * @param email email address as given; unique ignoring case among the organization's live users
 * @param displayName name for display, possibly empty
 * @param status active or suspended
 * @param createTime when it was created
 * @param updateTime when it last changed
 * @param deleteTime when it was soft-deleted; empty while live
 * @param etag checksum of the current state, for optimistic concurrency
 */
public record User(
    UUID organizationId,
    UUID id,
    String handle,
    String email,
    String displayName,
    UserStatus status,
    Instant createTime,
    Instant updateTime,
    Optional<Instant> deleteTime,
    String etag) {

  public boolean isDeleted() {
    return deleteTime.isPresent();
  }
}
