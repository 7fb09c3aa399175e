package dev.roster.access;

/** What an API key may do. */
public enum Scope {
  /** Read organizations and users. */
  ACCOUNTS_READ,
  /** Change users and the organization. */
  ACCOUNTS_WRITE,
  /** Manage the organization's API keys. */
  KEYS_MANAGE
}
