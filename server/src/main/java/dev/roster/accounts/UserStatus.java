package dev.roster.accounts;

/** Whether a user may act. */
public enum UserStatus {
  ACTIVE,
  SUSPENDED
}
