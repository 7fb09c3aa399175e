package dev.roster.access;

import java.util.Optional;
import java.util.UUID;

/**
 * What a presented secret claims to be, told without asking the database ({@link
 * Access#claim}): the authentication brake uses it to decide what a failure costs and whom it may
 * hold off.
 *
 * @param kind what the secret is, as far as memory can tell
 * @param keyId the key id it claims; empty for {@link Kind#MALFORMED}
 */
public record KeyClaim(Kind kind, Optional<UUID> keyId) {

  /** The kinds of claim. */
  public enum Kind {
    /** No Roster secret shape: no key id can be read from it; it can never verify. */
    MALFORMED,
    /** The secret of a key id that has verified on this replica before. */
    KNOWN_KEY,
    /** A key id that has verified on this replica before, with a different secret: a guess. */
    WRONG_SECRET,
    /** A key id this replica has not seen verify: only the database can tell whether it exists. */
    UNKNOWN_KEY
  }

  static KeyClaim malformed() {
    return new KeyClaim(Kind.MALFORMED, Optional.empty());
  }

  static KeyClaim of(Kind kind, UUID keyId) {
    return new KeyClaim(kind, Optional.of(keyId));
  }
}
