package dev.roster.planted.access;

import dev.roster.planted.accounts.UserStore;

/** VIOLATION (accessUsesAccountsOnlyThroughItsPublicFace, stores): another context's store. */
final class UsesAccountsStore {
  int rows() {
    return new UserStore().rows();
  }
}
