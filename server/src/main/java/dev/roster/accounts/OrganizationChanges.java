package dev.roster.accounts;

import java.util.Optional;

/**
 * The fields an update changes; an empty Optional leaves the field as it is.
 *
 * @param slug the new slug
 * @param displayName the new display name (empty string clears it)
 */
public record OrganizationChanges(Optional<String> slug, Optional<String> displayName) {}
