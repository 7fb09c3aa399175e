package dev.roster.accounts;

/**
 * What a caller supplies to create an organization; checked by {@link Accounts#createOrganization}.
 *
 * @param slug the wanted slug
 * @param displayName the display name, empty for none
 */
public record NewOrganization(String slug, String displayName) {}
