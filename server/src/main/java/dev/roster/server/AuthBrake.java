package dev.roster.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.roster.access.Access;
import dev.roster.access.ApiKeyInvalidException;
import dev.roster.access.ApiKeyMalformedException;
import dev.roster.access.KeyClaim;
import dev.roster.access.Principal;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The brake on failed authentications, built so that it cannot be turned against other clients:
 * a call whose key has verified on this replica before is never braked, whatever else comes from
 * its address. Budgets are Bucket4j buckets in this replica's memory, taken with an atomic
 * try-consume before the work they pay for, and keyed by the client's address group ({@link
 * ClientAddress}):
 *
 * <ul>
 *   <li>per (address group, claimed key id): failures against that one key id ({@link
 *       Budget#KEY});
 *   <li>per address group: lookups of key ids this replica has never seen verify, each a database
 *       read ({@link Budget#UNKNOWN_KEYS}); a lookup that verifies gives its token back;
 *   <li>per address group: secrets with no Roster shape ({@link Budget#MALFORMED}), which no valid
 *       key can share.
 * </ul>
 *
 * <p>An empty budget refuses with {@link AuthFailuresExceededException} (RESOURCE_EXHAUSTED,
 * AUTH_FAILURES_EXCEEDED, with a RetryInfo of the time until a token is back).
 */
public final class AuthBrake {
  /** Which budget refused a call; shown as ErrorInfo metadata {@code budget}. */
  enum Budget {
    KEY("key", "failures with this key id"),
    UNKNOWN_KEYS("unknownKeys", "lookups of unknown key ids"),
    MALFORMED("malformed", "malformed keys");

    final String metadata;
    final String description;

    Budget(String metadata, String description) {
      this.metadata = metadata;
      this.description = description;
    }
  }

  /**
   * The budgets' sizes.
   *
   * @param failureBurst failures per (address group, key id), and malformed keys per address
   *     group, allowed at once ({@code ROSTER_AUTH_FAILURE_BURST})
   * @param failuresPerSecond their refill per second ({@code ROSTER_AUTH_FAILURES_PER_SECOND})
   * @param unknownKeyBurst lookups of unknown key ids per address group allowed at once ({@code
   *     ROSTER_AUTH_UNKNOWN_KEY_BURST})
   * @param unknownKeysPerSecond their refill per second ({@code
   *     ROSTER_AUTH_UNKNOWN_KEYS_PER_SECOND})
   */
  public record Limits(int failureBurst, int failuresPerSecond, int unknownKeyBurst,
      int unknownKeysPerSecond) {}

  private record KeyFromGroup(String group, UUID keyId) {}

  private final Access access;
  private final Limits limits;
  private final TokenBuckets buckets;
  // Idle entries are forgotten (a forgotten bucket starts full again); the size bound keeps a
  // flood of groups from growing memory without end.
  private final Cache<KeyFromGroup, Bucket> perKey = cache();
  private final Cache<String, Bucket> unknownKeys = cache();
  private final Cache<String, Bucket> malformed = cache();

  /** A brake in front of {@code access}, whose buckets refill as {@code clock} advances. */
  public AuthBrake(Access access, Limits limits, Clock clock) {
    this.access = access;
    this.limits = limits;
    this.buckets = new TokenBuckets(clock);
  }

  private static <K> Cache<K, Bucket> cache() {
    return Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).maximumSize(100_000)
        .build();
  }

  /**
   * Authenticates the secret that {@code bearer} reads from the call, charging failures to
   * {@code group}.
   *
   * @throws AuthFailuresExceededException when the budget this call would spend is empty
   * @throws dev.roster.platform.errors.UnauthenticatedException as {@link Access#authenticate}, or
   *     as {@code bearer} throws
   */
  Principal authenticate(String group, Supplier<String> bearer) {
    String secret;
    try {
      secret = bearer.get();
    } catch (ApiKeyMalformedException e) {
      spend(Budget.MALFORMED, group, malformedBucket(group));
      throw e;
    }
    KeyClaim claim = access.claim(secret);
    switch (claim.kind()) {
      case KNOWN_KEY:
        return access.authenticate(secret); // the right secret is never braked
      case WRONG_SECRET:
        // A wrong secret for a real key: refused from memory, but a guess all the same.
        spend(Budget.KEY, group, keyBucket(group, claim.keyId().orElseThrow()));
        return access.authenticate(secret); // throws API_KEY_INVALID
      case UNKNOWN_KEY:
        return lookUp(group, claim.keyId().orElseThrow(), secret);
      default:
        spend(Budget.MALFORMED, group, malformedBucket(group));
        return access.authenticate(secret); // throws API_KEY_MALFORMED
    }
  }

  /** A key id only the database knows: paid from the group's budget and the key id's. */
  private Principal lookUp(String group, UUID keyId, String secret) {
    Bucket lookups = unknownKeysBucket(group);
    // The group's budget first, so made-up ids cannot fill the per-key map faster than it allows.
    spend(Budget.UNKNOWN_KEYS, group, lookups);
    Bucket key = keyBucket(group, keyId);
    try {
      spend(Budget.KEY, group, key);
    } catch (AuthFailuresExceededException e) {
      lookups.addTokens(1);
      throw e;
    }
    boolean guess = false;
    try {
      return access.authenticate(secret);
    } catch (ApiKeyInvalidException e) {
      guess = true;
      throw e;
    } finally {
      if (!guess) {
        // A real key (valid, revoked or expired) or a failure of ours: not the caller's fault.
        lookups.addTokens(1);
        key.addTokens(1);
      }
    }
  }

  private static void spend(Budget budget, String group, Bucket bucket) {
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      throw new AuthFailuresExceededException(group, budget,
          Duration.ofNanos(Math.max(1_000_000, probe.getNanosToWaitForRefill())));
    }
  }

  private Bucket keyBucket(String group, UUID keyId) {
    return perKey.get(new KeyFromGroup(group, keyId),
        k -> buckets.bucket(limits.failureBurst(), limits.failuresPerSecond()));
  }

  private Bucket unknownKeysBucket(String group) {
    return unknownKeys.get(group,
        g -> buckets.bucket(limits.unknownKeyBurst(), limits.unknownKeysPerSecond()));
  }

  private Bucket malformedBucket(String group) {
    return malformed.get(group, g -> buckets.bucket(limits.failureBurst(), limits.failuresPerSecond()));
  }


}
