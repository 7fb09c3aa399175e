package dev.roster.access;

/**
 * A new key and its secret, which exists only here: Roster keeps a hash.
 *
 * @param key the stored key
 * @param secret the bearer token to hand to the calling service
 */
public record CreatedApiKey(ApiKey key, String secret) {
  @Override
  public String toString() {
    return "CreatedApiKey[key=" + key + ", secret=(hidden)]";
  }
}
