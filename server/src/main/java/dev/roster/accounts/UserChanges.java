package dev.roster.accounts;

import java.util.Optional;

/**
 * The fields an update changes; an empty Optional leaves the field as it is.
 *
 * @param handle the new handle
 * @param email the new email address
 * @param displayName the new display name (empty string clears it)
 */
public record UserChanges(
    Optional<String> handle, Optional<String> email, Optional<String> displayName) {}
