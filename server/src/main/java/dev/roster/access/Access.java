package dev.roster.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.roster.accounts.Accounts;
import dev.roster.accounts.OrganizationDeletedException;
import dev.roster.platform.Ids;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.errors.UnauthenticatedException;
import dev.roster.platform.errors.Violations;
import dev.roster.platform.query.ListPlan;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Page;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Access context: API keys, and turning a presented secret into a {@link Principal}. Secrets
 * are stored as SHA-256 hashes and compared in constant time. Verified keys are cached for
 * {@code cacheTtl}, which is therefore the longest a revoked key keeps working on a replica.
 */
public final class Access {
  private static final Logger log = LoggerFactory.getLogger(Access.class);
  private static final int MAX_SECRET = 512;
  private static final int DISPLAY_NAME_MAX = 200;
  private static final Duration MAX_LIFETIME = Duration.ofDays(3660);
  /** Active keys an organization may hold unless configured otherwise. */
  public static final int DEFAULT_MAX_KEYS_PER_ORGANIZATION = 50;

  private final Jdbi jdbi;
  private final Jdbi authJdbi;
  private final Accounts accounts;
  private final Clock clock;
  private final Cache<String, Principal> verified;
  private final Cache<String, UnauthenticatedException> refused;
  private final Cache<UUID, byte[]> knownHashes;
  private final int maxKeysPerOrganization;

  public Access(Jdbi jdbi, Accounts accounts, Clock clock, Duration cacheTtl) {
    this(jdbi, accounts, clock, cacheTtl, System::nanoTime);
  }

  /**
   * As {@link #Access(Jdbi, Accounts, Clock, Duration)}, with the cache TTL measured on
   * {@code nanoTime} (nanoseconds from any fixed origin), so tests can move it.
   */
  public Access(Jdbi jdbi, Accounts accounts, Clock clock, Duration cacheTtl,
      LongSupplier nanoTime) {
    this(jdbi, jdbi, accounts, clock, cacheTtl, nanoTime, DEFAULT_MAX_KEYS_PER_ORGANIZATION);
  }

  /**
   * As {@link #Access(Jdbi, Accounts, Clock, Duration, LongSupplier)}, with the key lookups of
   * {@link #authenticate} on {@code authJdbi}: a small pool of their own, so a call can still be
   * authenticated (or refused) while API calls hold every connection of {@code jdbi}. Key
   * management (create, get, list, revoke) stays on {@code jdbi}, the API's pool. Each
   * organization may hold at most {@code maxKeysPerOrganization} active keys
   * ({@code ROSTER_MAX_KEYS_PER_ORGANIZATION}).
   */
  public Access(Jdbi jdbi, Jdbi authJdbi, Accounts accounts, Clock clock, Duration cacheTtl,
      LongSupplier nanoTime, int maxKeysPerOrganization) {
    this.jdbi = jdbi;
    this.authJdbi = authJdbi;
    this.accounts = accounts;
    this.clock = clock;
    this.maxKeysPerOrganization = maxKeysPerOrganization;
    Ticker ticker = nanoTime::getAsLong;
    // Outlives the verified cache on purpose: a key's secret never changes, so remembering its
    // hash lets the brake tell a real key from a made-up one without the database (KeyClaim).
    this.knownHashes = Caffeine.newBuilder().expireAfterAccess(Duration.ofDays(1))
        .maximumSize(100_000).ticker(ticker).build();
    this.verified = Caffeine.newBuilder().expireAfterWrite(cacheTtl).maximumSize(100_000)
        .ticker(ticker).build();
    // Refusals get their own small cache, so a flood of made-up keys cannot evict real ones.
    this.refused = Caffeine.newBuilder().expireAfterWrite(cacheTtl).maximumSize(10_000)
        .ticker(ticker).build();
  }

  /**
   * What {@code secret} claims, from memory alone: malformed, a key id that has verified on this
   * replica before (and whether this is its secret), or an id only the database knows about.
   */
  public KeyClaim claim(String secret) {
    if (secret.isEmpty() || secret.length() > MAX_SECRET) {
      return KeyClaim.malformed();
    }
    UUID id;
    try {
      id = Secrets.idOf(secret);
    } catch (ApiKeyMalformedException e) {
      return KeyClaim.malformed();
    }
    byte[] known = knownHashes.getIfPresent(id);
    if (known == null) {
      return KeyClaim.of(KeyClaim.Kind.UNKNOWN_KEY, id);
    }
    return KeyClaim.of(MessageDigest.isEqual(known, Secrets.hash(secret))
        ? KeyClaim.Kind.KNOWN_KEY : KeyClaim.Kind.WRONG_SECRET, id);
  }

  /**
   * Verifies a bearer secret.
   *
   * @throws ApiKeyMalformedException if it is no secret of ours
   * @throws ApiKeyInvalidException for an unknown key or a wrong secret (indistinguishable on
   *     purpose)
   * @throws ApiKeyRevokedException if the key has been revoked
   * @throws ApiKeyExpiredException if the key has expired
   */
  public Principal authenticate(String secret) {
    if (secret.isEmpty() || secret.length() > MAX_SECRET) {
      throw new ApiKeyMalformedException();
    }
    String key = Secrets.cacheKey(secret);
    UnauthenticatedException knownBad = refused.getIfPresent(key);
    if (knownBad != null) {
      throw knownBad;
    }
    Principal principal = verified.getIfPresent(key);
    if (principal == null) {
      try {
        principal = verify(secret);
      } catch (UnauthenticatedException refusal) {
        refused.put(key, refusal);
        throw refusal;
      }
      verified.put(key, principal);
    }
    // A cached key may have expired since it was verified.
    if (principal.expireTime().isPresent() && !principal.expireTime().get().isAfter(clock.instant())) {
      throw new ApiKeyExpiredException();
    }
    return principal;
  }

  /** Asks the database; throws the refusals that {@link #authenticate} caches. */
  private Principal verify(String secret) {
    UUID id = Secrets.idOf(secret);
    byte[] presented = Secrets.hash(secret);
    byte[] known = knownHashes.getIfPresent(id);
    if (known != null && !MessageDigest.isEqual(presented, known)) {
      throw new ApiKeyInvalidException(); // a wrong secret for a real key: no read needed
    }
    Optional<ApiKeyStore.Stored> stored = authJdbi.withHandle(h -> ApiKeyStore.find(h, id));
    if (stored.isEmpty() || !MessageDigest.isEqual(presented, stored.get().secretHash())) {
      throw new ApiKeyInvalidException();
    }
    knownHashes.put(id, stored.get().secretHash());
    ApiKey key = stored.get().key();
    if (key.revokeTime().isPresent()) {
      throw new ApiKeyRevokedException();
    }
    if (key.expireTime().isPresent() && !key.expireTime().get().isAfter(clock.instant())) {
      throw new ApiKeyExpiredException();
    }
    return new Principal(key.id(), key.organizationId(), key.scopes(), key.rateLimit(),
        key.expireTime());
  }

  /**
   * Creates an organization's key.
   *
   * @throws InvalidArgumentException for no scopes, a long display name, a past expire time or a
   *     bad rate limit
   * @throws dev.roster.accounts.OrganizationNotFoundException if the organization does not exist
   * @throws OrganizationDeletedException if it is deleted
   * @throws ApiKeyLimitReachedException if the organization already has the most active keys
   *     allowed
   */
  public CreatedApiKey createKey(NewApiKey request) {
    Violations v = new Violations();
    if (request.scopes().isEmpty()) {
      v.add("scopes", "FIELD_REQUIRED", "must name at least one scope");
    }
    String name = request.displayName();
    if (name.codePointCount(0, name.length()) > DISPLAY_NAME_MAX
        || name.codePoints().anyMatch(Character::isISOControl)) {
      v.add("display_name", "INVALID_FORMAT", "must be at most " + DISPLAY_NAME_MAX
          + " characters without control characters");
    }
    if (request.expireTime().isPresent() && (!request.expireTime().get().isAfter(clock.instant())
        || request.expireTime().get().isAfter(clock.instant().plus(MAX_LIFETIME)))) {
      v.add("expire_time", "INVALID_VALUE", "must be in the future, at most "
          + MAX_LIFETIME.toDays() + " days ahead");
    }
    request.rateLimit().ifPresent(limit -> {
      if (limit.perSecond() < 1 || limit.burst() < 1 || limit.perSecond() > 100_000
          || limit.burst() > 100_000) {
        v.add("rate_limit_per_second", "INVALID_VALUE",
            "rate limit and burst must be between 1 and 100000");
      }
    });
    v.throwIfAny();
    UUID id = Ids.newId();
    String secret = Secrets.mint(id);
    Instant now = now();
    jdbi.useTransaction(h -> {
      // Before anything else, so racing creates count one after the other and never both fit
      // under the limit (see ApiKeyStore.lockKeyCreation for why not a row lock).
      ApiKeyStore.lockKeyCreation(h, request.organizationId());
      // In the inserting transaction: a delete of the organization either commits before the
      // check (and is seen) or waits for the key to commit.
      accounts.requireLiveOrganization(h, request.organizationId());
      if (ApiKeyStore.countActive(h, request.organizationId(), now) >= maxKeysPerOrganization) {
        throw new ApiKeyLimitReachedException(maxKeysPerOrganization);
      }
      ApiKeyStore.insert(h, id, Optional.of(request.organizationId()),
          name, request.scopes(), Secrets.hash(secret), now,
          request.expireTime().map(t -> t.truncatedTo(ChronoUnit.MICROS)), request.rateLimit());
    });
    return new CreatedApiKey(get(id), secret);
  }

  /**
   * A key by its name's parts: the organization it must belong to (empty: a platform-admin key)
   * and its id.
   *
   * @throws ApiKeyNotFoundException if there is no such key under that parent
   */
  public ApiKey getKey(Optional<UUID> organizationId, UUID id) {
    ApiKey key = get(id);
    if (!key.organizationId().equals(organizationId)) {
      throw new ApiKeyNotFoundException(id);
    }
    return key;
  }

  /**
   * One page of the organization's keys, oldest first; revoked ones only with showDeleted.
   *
   * @throws InvalidArgumentException naming {@code page_token} when its position does not fit
   */
  public Page<ApiKey> listKeys(UUID organizationId, ListQuery query) {
    ListPlan plan = ApiKeyStore.LIST.plan(query);
    return jdbi.withHandle(h -> ApiKeyStore.list(h, organizationId, plan));
  }

  /**
   * Revokes a key (a revoked key is returned unchanged). Other replicas stop accepting it within
   * the cache TTL; this one at once.
   *
   * @throws ApiKeyNotFoundException if there is no such key under that parent
   */
  public ApiKey revokeKey(Optional<UUID> organizationId, UUID id) {
    getKey(organizationId, id);
    ApiKey key = jdbi.inTransaction(h -> ApiKeyStore.revoke(h, id, now()))
        .orElseThrow(() -> new ApiKeyNotFoundException(id)).key();
    verified.asMap().values().removeIf(p -> p.keyId().equals(id));
    refused.invalidateAll();
    return key;
  }

  /** Makes sure a platform-admin key with exactly this secret exists (ROSTER_BOOTSTRAP_ADMIN_KEY). */
  public void ensureBootstrapAdminKey(String secret) {
    UUID id = Secrets.bootstrapId(secret);
    jdbi.useTransaction(h -> {
      Optional<ApiKeyStore.Stored> existing = ApiKeyStore.find(h, id);
      if (existing.isPresent()) {
        if (existing.get().key().revokeTime().isPresent()) {
          log.warn("the bootstrap admin key has been revoked; it stays revoked");
        }
        return;
      }
      ApiKeyStore.insert(h, id, Optional.empty(), "bootstrap admin key", EnumSet.allOf(Scope.class),
          Secrets.hash(secret), now(), Optional.empty(), Optional.empty());
      log.info("created the bootstrap platform-admin API key {}", id);
    });
  }

  /** Creates a platform-admin key (for the {@code mint-admin-key} command). */
  public CreatedApiKey mintAdminKey(String displayName) {
    UUID id = Ids.newId();
    String secret = Secrets.mint(id);
    jdbi.useTransaction(h -> ApiKeyStore.insert(h, id, Optional.empty(), displayName,
        EnumSet.allOf(Scope.class), Secrets.hash(secret), now(),
        Optional.empty(), Optional.empty()));
    return new CreatedApiKey(get(id), secret);
  }

  private ApiKey get(UUID id) {
    return jdbi.withHandle(h -> ApiKeyStore.find(h, id))
        .orElseThrow(() -> new ApiKeyNotFoundException(id)).key();
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
