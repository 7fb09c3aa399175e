package dev.roster.platform.paging;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys that sign page tokens, the same on every replica so that any replica accepts any
 * replica's tokens. Either given in configuration (the first signs, the others are still
 * accepted), or kept in the database: created once by whichever replica starts first, and rotated
 * by inserting a newer key (see docs/OPERATIONS.md). A token signed with a key this replica has not
 * seen yet makes it reload the keys (at most once per {@link #RELOAD_INTERVAL}).
 */
public final class SigningKeys {
  private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);
  static final Duration RELOAD_INTERVAL = Duration.ofSeconds(10);
  private static final long LOCK_ID = 0x526f737465724b31L; // "RosterK1"

  /** One key: a small id carried in the token, and the secret. */
  public record Key(int id, byte[] secret) {}

  private final Jdbi jdbi;
  private final Clock clock;
  private volatile Map<Integer, Key> keys;
  private volatile Key current;
  private volatile Instant lastReload;

  private SigningKeys(Jdbi jdbi, Clock clock, List<Key> keys, Key current) {
    this.jdbi = jdbi;
    this.clock = clock;
    install(keys, current);
  }

  /**
   * Keys from configuration: base64 secrets (at least 32 bytes each), the signing one first. A
   * key's id is derived from its secret, so reordering or dropping keys keeps tokens valid.
   */
  public static SigningKeys fromConfig(List<String> base64Secrets) {
    List<Key> keys = new java.util.ArrayList<>();
    for (String encoded : base64Secrets) {
      byte[] secret = Base64.getDecoder().decode(encoded.trim());
      if (secret.length < 32) {
        throw new IllegalArgumentException("page token keys must be at least 32 bytes (256 bits)");
      }
      keys.add(new Key(derivedId(secret), secret));
    }
    return new SigningKeys(null, Clock.systemUTC(), keys, keys.get(0));
  }

  private static int derivedId(byte[] secret) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(secret);
      return java.nio.ByteBuffer.wrap(digest).getInt();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Keys from the database, creating the first one if there is none yet. */
  public static SigningKeys fromDatabase(Jdbi jdbi, Clock clock) {
    jdbi.useTransaction(h -> {
      h.execute("select pg_advisory_xact_lock(?)", LOCK_ID);
      boolean any = h.createQuery("select exists (select 1 from page_token_keys)")
          .mapTo(Boolean.class).one();
      if (!any) {
        h.createUpdate("insert into page_token_keys (secret) values (:secret)")
            .bind("secret", newSecret()).execute();
        log.info("created the first page token signing key");
      }
    });
    List<Key> keys = load(jdbi);
    return new SigningKeys(jdbi, clock, keys, newest(keys));
  }

  /** Adds a new key that signs from now on; older keys are still accepted. */
  public static void rotate(Jdbi jdbi) {
    jdbi.useHandle(h -> h.createUpdate("insert into page_token_keys (secret) values (:secret)")
        .bind("secret", newSecret()).execute());
  }

  Key current() {
    return current;
  }

  Optional<Key> find(int id) {
    Key key = keys.get(id);
    if (key == null && jdbi != null
        && clock.instant().isAfter(lastReload.plus(RELOAD_INTERVAL))) {
      lastReload = clock.instant();
      List<Key> loaded = load(jdbi);
      install(loaded, newest(loaded));
      key = keys.get(id);
    }
    return Optional.ofNullable(key);
  }

  private void install(List<Key> loaded, Key signing) {
    this.keys = loaded.stream()
        .collect(Collectors.toUnmodifiableMap(Key::id, Function.identity(), (first, again) -> first));
    this.current = signing;
    this.lastReload = clock.instant();
  }

  /** In the database the newest key signs. */
  private static Key newest(List<Key> keys) {
    return keys.stream().max(Comparator.comparingInt(Key::id))
        .orElseThrow(() -> new IllegalStateException("no page token signing key"));
  }

  private static List<Key> load(Jdbi jdbi) {
    return jdbi.withHandle(h -> h.createQuery("select id, secret from page_token_keys")
        .map((rs, ctx) -> new Key(rs.getInt("id"), rs.getBytes("secret")))
        .list());
  }

  private static byte[] newSecret() {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    return secret;
  }
}
