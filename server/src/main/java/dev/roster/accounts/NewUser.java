package dev.roster.accounts;

/**
 * What a caller supplies to create a user; checked by {@link Accounts#createUser}.
 *
 * @param handle the wanted handle
 * @param email the email address
 * @param displayName the display name, empty for none
 */
public record NewUser(String handle, String email, String displayName) {}
