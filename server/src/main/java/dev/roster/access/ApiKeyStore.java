package dev.roster.access;

import static dev.roster.platform.db.Rows.instant;
import static dev.roster.platform.db.Rows.utc;

import dev.roster.platform.db.Rows;
import dev.roster.platform.db.Select;
import dev.roster.platform.query.Keyset;
import dev.roster.platform.query.ListPlan;
import dev.roster.platform.query.ListSpec;
import dev.roster.platform.query.Page;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** The SQL for API keys. */
final class ApiKeyStore {
  private static final String COLUMNS = "organization_id, id, display_name, scopes, secret_hash,"
      + " create_time, expire_time, revoke_time, rate_limit_per_second, rate_limit_burst";

  /** What ListApiKeys accepts: pages only, oldest first; revoked keys only with show_deleted. */
  static final ListSpec LIST = ListSpec.byCreation().hidingDeleted("revoke_time is null");

  /** A stored key with the hash of its secret, which never leaves this context. */
  record Stored(ApiKey key, byte[] secretHash) {}

  /** First half of the advisory lock key of {@link #lockKeyCreation} ("Rk"). */
  private static final int KEY_CREATION_LOCK = 0x526b;

  private ApiKeyStore() {}

  static Optional<Stored> find(Handle h, UUID id) {
    return Select.from("api_keys", COLUMNS).whereEquals("id", id).one(h, (rs, ctx) -> map(rs));
  }

  static void insert(Handle h, UUID id, Optional<UUID> organizationId, String displayName,
      Set<Scope> scopes, byte[] secretHash, Instant now, Optional<Instant> expireTime,
      Optional<RateLimit> rateLimit) {
    h.createUpdate("""
            insert into api_keys (id, organization_id, display_name, scopes, secret_hash,
                                  create_time, expire_time, rate_limit_per_second, rate_limit_burst)
            values (:id, :organizationId, :displayName, :scopes, :secretHash, :now, :expireTime,
                    :perSecond, :burst)""")
        .bind("id", id)
        .bind("organizationId", organizationId.orElse(null))
        .bind("displayName", displayName)
        .bindArray("scopes", String.class, scopes.stream().map(Enum::name).sorted().toList())
        .bind("secretHash", secretHash)
        .bind("now", utc(now))
        .bind("expireTime", expireTime.map(Rows::utc).orElse(null))
        .bind("perSecond", rateLimit.map(RateLimit::perSecond).orElse(null))
        .bind("burst", rateLimit.map(RateLimit::burst).orElse(null))
        .execute();
  }

  /**
   * Serialises key creation in one organization until the transaction ends, so a count of its
   * active keys stays true until the insert commits. An advisory lock rather than a row lock: the
   * organization row belongs to the Accounts context, and two creates each holding it FOR SHARE
   * and then asking for more would deadlock. The two-int key space is apart from the one-bigint
   * locks used elsewhere; two organizations whose ids hash alike merely wait for each other.
   */
  static void lockKeyCreation(Handle h, UUID organizationId) {
    h.execute("select pg_advisory_xact_lock(?, ?)", KEY_CREATION_LOCK, organizationId.hashCode());
  }

  /** Keys of the organization that are neither revoked nor expired at {@code now}. */
  static int countActive(Handle h, UUID organizationId, Instant now) {
    return h.createQuery("""
            select count(*) from api_keys
            where organization_id = :organizationId and revoke_time is null
              and (expire_time is null or expire_time > :now)""")
        .bind("organizationId", organizationId)
        .bind("now", utc(now))
        .mapTo(Integer.class)
        .one();
  }

  /** Marks the key revoked (if it is not already) and returns it. */
  static Optional<Stored> revoke(Handle h, UUID id, Instant now) {
    h.createUpdate("update api_keys set revoke_time = :now where id = :id and revoke_time is null")
        .bind("id", id).bind("now", utc(now)).execute();
    return find(h, id);
  }

  static Page<ApiKey> list(Handle h, UUID organizationId, ListPlan plan) {
    Select keys = Select.from("api_keys", COLUMNS).whereEquals("organization_id", organizationId);
    return Keyset.page(h, keys, plan, (rs, ctx) -> map(rs).key());
  }

  private static Stored map(ResultSet rs) throws SQLException {
    UUID id = rs.getObject("id", UUID.class);
    Array array = rs.getArray("scopes");
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (Object scope : (Object[]) array.getArray()) {
      scopes.add(Scope.valueOf((String) scope));
    }
    Integer perSecond = (Integer) rs.getObject("rate_limit_per_second");
    Integer burst = (Integer) rs.getObject("rate_limit_burst");
    UUID organizationId = rs.getObject("organization_id", UUID.class);
    ApiKey key = new ApiKey(
        Optional.ofNullable(organizationId),
        id,
        rs.getString("display_name"),
        Set.copyOf(organizationId == null ? EnumSet.allOf(Scope.class) : scopes),
        "rk_" + id.toString().replace("-", "").substring(0, 12),
        instant(rs, "create_time"),
        Optional.ofNullable(instant(rs, "expire_time")),
        Optional.ofNullable(instant(rs, "revoke_time")),
        perSecond == null ? Optional.empty() : Optional.of(new RateLimit(perSecond, burst)));
    return new Stored(key, rs.getBytes("secret_hash"));
  }
}
