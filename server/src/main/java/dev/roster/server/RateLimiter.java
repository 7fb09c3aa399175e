package dev.roster.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.roster.access.Principal;
import dev.roster.access.RateLimit;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Token buckets (Bucket4j) per API key and, beside them, per organization, kept in this replica's
 * memory: the limit is per replica, so N replicas allow N times the rate in total. That keeps every
 * call free of a shared-store round trip; docs/SECURITY.md explains the trade-off. The organization
 * bucket is shared by all of an organization's keys, so minting keys does not multiply its rate.
 */
public final class RateLimiter {
  private final RateLimit defaults;
  private final Optional<RateLimit> organizationLimit;
  private final TokenBuckets tokenBuckets;
  private final Cache<UUID, Bucket> buckets =
      Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).maximumSize(100_000).build();
  private final Cache<UUID, Bucket> organizationBuckets =
      Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).maximumSize(100_000).build();

  /** Limits keys without a limit of their own to {@code defaults}; buckets refill on the system clock. */
  public RateLimiter(RateLimit defaults) {
    this(defaults, Clock.systemUTC());
  }

  /**
   * As {@link #RateLimiter(RateLimit)}, with buckets refilling as {@code clock} advances (in whole
   * milliseconds, as Bucket4j's default meter does on the system clock). Organizations have no
   * bucket of their own.
   */
  public RateLimiter(RateLimit defaults, Clock clock) {
    this(defaults, Optional.empty(), clock);
  }

  /**
   * As {@link #RateLimiter(RateLimit, Clock)}, and every organization's keys together are also
   * limited to {@code organizationLimit} (platform-admin keys, of no organization, are not).
   */
  public RateLimiter(RateLimit defaults, Optional<RateLimit> organizationLimit, Clock clock) {
    this.defaults = defaults;
    this.organizationLimit = organizationLimit;
    this.tokenBuckets = new TokenBuckets(clock);
  }


  /**
   * Takes one token from the caller's key bucket and one from its organization's.
   *
   * @throws RateLimitExceededException with the wait until a key token is back
   * @throws OrganizationRateLimitExceededException with the wait until an organization token is
   *     back (the key's token is given back)
   */
  void acquire(Principal caller) {
    charge(caller, 1);
  }

  /**
   * Takes {@code tokens} (the cost of an expensive call; at most a bucket's size is taken) from the
   * caller's key bucket and its organization's, or none from either.
   *
   * @throws RateLimitExceededException with the wait until the key has the tokens
   * @throws OrganizationRateLimitExceededException with the wait until the organization has them
   */
  void charge(Principal caller, int tokens) {
    RateLimit limit = caller.rateLimit().orElse(defaults);
    Bucket bucket = buckets.get(caller.keyId(), id -> bucket(limit));
    long cost = Math.min(tokens, limit.burst());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(cost);
    if (!probe.isConsumed()) {
      throw new RateLimitExceededException(limit, waitOf(probe));
    }
    if (organizationLimit.isEmpty() || caller.organizationId().isEmpty()) {
      return;
    }
    RateLimit orgLimit = organizationLimit.get();
    ConsumptionProbe org = organizationBuckets
        .get(caller.organizationId().get(), id -> bucket(orgLimit))
        .tryConsumeAndReturnRemaining(Math.min(tokens, orgLimit.burst()));
    if (!org.isConsumed()) {
      // Refused calls should not also drain the key: its tokens go back.
      bucket.addTokens(cost);
      throw new OrganizationRateLimitExceededException(orgLimit, waitOf(org));
    }
  }

  private Bucket bucket(RateLimit limit) {
    return tokenBuckets.bucket(limit.burst(), limit.perSecond());
  }

  private static Duration waitOf(ConsumptionProbe probe) {
    return Duration.ofNanos(Math.max(1_000_000, probe.getNanosToWaitForRefill()));
  }
}
