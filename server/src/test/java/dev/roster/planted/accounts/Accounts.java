package dev.roster.planted.accounts;

/** A facade, as in the product: allowed to be public. */
public final class Accounts {
  public int count() {
    return new UserStore().rows();
  }
}
