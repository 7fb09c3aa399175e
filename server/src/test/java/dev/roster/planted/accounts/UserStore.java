package dev.roster.planted.accounts;

/** VIOLATION (contextInternals): a store made public so that other packages can reach it. */
public final class UserStore {
  public int rows() {
    return 0;
  }
}
