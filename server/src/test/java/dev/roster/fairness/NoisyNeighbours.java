package dev.roster.fairness;

import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.longrunning.WaitOperationRequest;
import dev.roster.fairness.VictimLoad.Latencies;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.ApiKey.Scope;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.security.SecureRandom;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The noisy-neighbour scenarios of issue 10, shared by {@code NoisyNeighbourTest} (short runs, on
 * the test JVM's PostgreSQL) and {@code FairnessBenchmark} (longer runs). Each scenario starts its
 * own {@link FairnessServer} with production-default limits, makes a victim tenant, measures the
 * victim alone, then again while an attacker (another tenant, ordinary keys) attacks, and stops
 * everything it started before returning. Attack sizes follow the issue; where a scenario differs
 * from production defaults, its Javadoc says so.
 */
public final class NoisyNeighbours {
  /** Users of the large organization the attacker owns; the figure is 200k. */
  public static final int DEFAULT_LARGE_ORG_USERS = 200_000;

  private static final Duration PAUSE_AFTER_REFUSAL = Duration.ofMillis(50);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Logger log = LoggerFactory.getLogger(NoisyNeighbours.class);

  private final String jdbcUrl;
  private final Settings settings;
  private final int largeOrgUsers;
  private String largeOrganization;

  /**
   * How long and how hard the victim calls.
   *
   * @param alone how long the victim is measured alone
   * @param underAttack how long it is measured during the attack
   * @param victimCallsPerSecond GetOrganization and GetUser together; below the default per-key
   *     rate (50/s), so the victim is a well-behaved tenant that is never refused for its own sake
   * @param victimDeadline each victim call's deadline
   * @param victimExportBound how long the victim waits for its export in the export flood
   */
  public record Settings(Duration alone, Duration underAttack, int victimCallsPerSecond,
      Duration victimDeadline, Duration victimExportBound) {}

  /**
   * What one scenario measured.
   *
   * @param scenario its name
   * @param alone the victim before the attack
   * @param underAttack the victim during it
   * @param attacker what the attacker's calls got back
   * @param victimExport for the export flood: whether the victim's small export completed in its
   *     bound, and how long it took
   */
  public record Result(String scenario, Latencies alone, Latencies underAttack,
      AttackOutcomes attacker, Optional<ExportWait> victimExport) {
    /** victim p99 under attack over victim p99 alone. */
    public double p99Ratio() {
      return alone.p99Millis() == 0 ? Double.NaN : underAttack.p99Millis() / alone.p99Millis();
    }

    @Override
    public String toString() {
      return String.format("%s: victim alone [%s]; under attack [%s]; p99 x%.2f; attacker %s%s",
          scenario, alone, underAttack, p99Ratio(), attacker,
          victimExport.map(e -> "; victim export " + e).orElse(""));
    }
  }

  /** The victim's export in the export flood: done (without error) in its bound, and when. */
  public record ExportWait(boolean done, Duration took, String error) {
    @Override
    public String toString() {
      return done ? "done in " + took.toMillis() + " ms" + (error.isEmpty() ? "" : " with error " + error)
          : "not done after " + took.toMillis() + " ms";
    }
  }

  /**
   * @param jdbcUrl the PostgreSQL the servers use (user postgres, no password)
   * @param largeOrgUsers users seeded into the attacker's large organization
   */
  public NoisyNeighbours(String jdbcUrl, Settings settings, int largeOrgUsers) {
    this.jdbcUrl = jdbcUrl;
    this.settings = settings;
    this.largeOrgUsers = largeOrgUsers;
  }

  /**
   * The attacker's large organization, made and seeded by the first scenario that needs it (and
   * through that scenario's server), so scenarios that do not need it do not wait for the seed.
   */
  private synchronized String largeOrganization(FairnessServer server) {
    if (largeOrganization == null) {
      Tenant large = Tenant.create(server.adminChannel(), FairnessServer.ADMIN_KEY, "large", 0,
          Scope.ACCOUNTS_READ);
      long start = System.nanoTime();
      large.seedUsers(jdbcUrl, largeOrgUsers);
      log.info("seeded the attacker's organization with {} users in {} ms", largeOrgUsers,
          (System.nanoTime() - start) / 1_000_000);
      largeOrganization = large.organization();
    }
    return largeOrganization;
  }

  /**
   * (a) 100 concurrent WaitOperation from one read-only key on an export that does not finish.
   * Scaled: the server runs without job workers ({@code ROSTER_ROLE=api}), so the export stays
   * pending for the whole scenario, standing in for a long one.
   */
  public Result waitOperationFlood() throws InterruptedException {
    try (FairnessServer server = FairnessServer.start(jdbcUrl, Map.of("ROSTER_ROLE", "api"))) {
      Tenant attacker = Tenant.create(server.adminChannel(), FairnessServer.ADMIN_KEY, "waiter", 0,
          Scope.ACCOUNTS_READ);
      Operation export = AccountsServiceGrpc.newBlockingStub(server.adminChannel())
          .withCallCredentials(Tenant.bearer(FairnessServer.ADMIN_KEY))
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .exportUsers(ExportUsersRequest.newBuilder().setParent(attacker.organization()).build());
      try {
        return measure(server, "WaitOperation flood", new AttackOutcomes(), channel -> {
          var ops = OperationsGrpc.newFutureStub(channel).withCallCredentials(attacker.credentials());
          WaitOperationRequest wait = WaitOperationRequest.newBuilder().setName(export.getName())
              .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(3)).build();
          return outcomes -> Flood.closedLoop("wait", 100,
              i -> ops.withDeadlineAfter(30, TimeUnit.SECONDS).waitOperation(wait), outcomes,
              PAUSE_AFTER_REFUSAL);
        });
      } finally {
        deleteJobsOf(attacker);
      }
    }
  }

  /**
   * (b) 90 concurrent ListUsers, page_size 1000, {@code order_by "display_name desc, handle"}, on
   * the attacker's large organization, from one read-only key.
   */
  public Result heavyListFlood() throws InterruptedException {
    try (FairnessServer server = FairnessServer.start(jdbcUrl, Map.of())) {
      String largeOrganization = largeOrganization(server);
      String key = mintKey(server, largeOrganization, Scope.ACCOUNTS_READ);
      ListUsersRequest heavy = ListUsersRequest.newBuilder().setParent(largeOrganization)
          .setPageSize(1000).setOrderBy("display_name desc, handle").build();
      return measure(server, "heavy-list flood", new AttackOutcomes(), channel -> {
        var accounts = AccountsServiceGrpc.newFutureStub(channel).withCallCredentials(Tenant.bearer(key));
        return outcomes -> Flood.closedLoop("list", 90,
            i -> accounts.withDeadlineAfter(30, TimeUnit.SECONDS).listUsers(heavy), outcomes,
            PAUSE_AFTER_REFUSAL);
      });
    }
  }

  /**
   * (c) Made-up keys of the minted shape from the victim's own address (everything here is
   * 127.0.0.1): a burst of 50, then 20 a second, each asking for the victim's organization.
   */
  public Result badKeyFlood() throws InterruptedException {
    try (FairnessServer server = FairnessServer.start(jdbcUrl, Map.of())) {
      return measure(server, "bad-key flood", new AttackOutcomes(Status.Code.UNAUTHENTICATED),
          (channel, victim) -> {
            var accounts = AccountsServiceGrpc.newFutureStub(channel);
            GetOrganizationRequest get = GetOrganizationRequest.newBuilder()
                .setName(victim.organization()).build();
            return outcomes -> Flood.openLoop("bad-keys", 50, 20,
                i -> accounts.withCallCredentials(Tenant.bearer(madeUpKey()))
                    .withDeadlineAfter(30, TimeUnit.SECONDS).getOrganization(get), outcomes);
          });
    }
  }

  /**
   * (d) The attacker starts five exports of its large organization at once, then two small ones (a
   * filter matching one user) a second; the victim starts one export of its 4 users and waits for it (at most
   * {@link Settings#victimExportBound}) while it keeps up its usual calls. The export queue runs
   * with its production concurrency.
   */
  public Result exportFlood() throws InterruptedException {
    try (FairnessServer server = FairnessServer.start(jdbcUrl, Map.of())) {
      String largeOrganization = largeOrganization(server);
      String key = mintKey(server, largeOrganization, Scope.ACCOUNTS_READ, Scope.ACCOUNTS_WRITE);
      ExportUsersRequest big = ExportUsersRequest.newBuilder().setParent(largeOrganization).build();
      ExportUsersRequest small = big.toBuilder().setFilter("handle = \"seed-1\"").build();
      try {
        return measure(server, "export flood", new AttackOutcomes(), channel -> {
          var accounts = AccountsServiceGrpc.newFutureStub(channel).withCallCredentials(Tenant.bearer(key));
          return outcomes -> Flood.openLoop("exports", 5, 2,
              i -> accounts.withDeadlineAfter(30, TimeUnit.SECONDS).exportUsers(i < 5 ? big : small),
              outcomes);
        }, true);
      } finally {
        deleteJobsOf(largeOrganization);
      }
    }
  }

  /**
   * (e) A KEYS_MANAGE key mints read keys, ten a second, while 64 calls stay in flight spread
   * over every key minted so far (ListUsers, page_size 1000, default order, on the large
   * organization): per-key buckets multiplied by the number of keys.
   */
  public Result keyMinting() throws InterruptedException {
    try (FairnessServer server = FairnessServer.start(jdbcUrl, Map.of())) {
      String largeOrganization = largeOrganization(server);
      String manager = mintKey(server, largeOrganization, Scope.ACCOUNTS_READ, Scope.KEYS_MANAGE);
      ListUsersRequest list = ListUsersRequest.newBuilder().setParent(largeOrganization)
          .setPageSize(1000).build();
      List<String> minted = new CopyOnWriteArrayList<>(List.of(manager));
      return measure(server, "key minting", new AttackOutcomes(), channel -> {
        var keys = ApiKeysServiceGrpc.newFutureStub(channel).withCallCredentials(Tenant.bearer(manager));
        var accounts = AccountsServiceGrpc.newFutureStub(channel);
        CreateApiKeyRequest mint = CreateApiKeyRequest.newBuilder().setParent(largeOrganization)
            .setApiKey(ApiKey.newBuilder().setDisplayName("minted").addScopes(Scope.ACCOUNTS_READ))
            .build();
        return outcomes -> {
          Flood minting = Flood.openLoop("mint", 0, 10, i -> {
            var created = keys.withDeadlineAfter(30, TimeUnit.SECONDS).createApiKey(mint);
            created.addListener(() -> {
              try {
                minted.add(created.get().getSecret());
              } catch (Exception refusedOrCancelled) {
                // counted by the flood's outcomes
              }
            }, com.google.common.util.concurrent.MoreExecutors.directExecutor());
            return created;
          }, outcomes);
          Flood using = Flood.closedLoop("use-minted", 64,
              i -> accounts.withCallCredentials(Tenant.bearer(minted.get((int) (i % minted.size()))))
                  .withDeadlineAfter(30, TimeUnit.SECONDS).listUsers(list), outcomes,
              PAUSE_AFTER_REFUSAL);
          return () -> {
            minting.close();
            using.close();
          };
        };
      });
    }
  }

  /** An attack on a channel of its own: given the channel (and the victim), how to start it. */
  private interface Attack {
    Starter on(ManagedChannel channel, Tenant victim);
  }

  /** An attack that does not need to know its victim. */
  private interface BlindAttack {
    Starter on(ManagedChannel channel);
  }

  /** Starts the attack's traffic, reporting to the outcomes; closing it stops the traffic. */
  private interface Starter {
    Running start(AttackOutcomes outcomes);
  }

  private Result measure(FairnessServer server, String name, AttackOutcomes outcomes,
      BlindAttack attack) throws InterruptedException {
    return measure(server, name, outcomes, attack, false);
  }

  private Result measure(FairnessServer server, String name, AttackOutcomes outcomes,
      BlindAttack attack, boolean victimExports) throws InterruptedException {
    return measure(server, name, outcomes, (channel, victim) -> attack.on(channel), victimExports);
  }

  private Result measure(FairnessServer server, String name, AttackOutcomes outcomes, Attack attack)
      throws InterruptedException {
    return measure(server, name, outcomes, attack, false);
  }

  private Result measure(FairnessServer server, String name, AttackOutcomes outcomes, Attack attack,
      boolean victimExports) throws InterruptedException {
    Tenant victim = Tenant.create(server.adminChannel(), FairnessServer.ADMIN_KEY, "victim", 4,
        Scope.ACCOUNTS_READ, Scope.ACCOUNTS_WRITE);
    ManagedChannel victimChannel = server.channel();
    ManagedChannel attackerChannel = server.channel();
    try {
      VictimLoad load = new VictimLoad(victimChannel, victim, settings.victimCallsPerSecond(),
          settings.victimDeadline());
      // Warm the victim's path (connection, auth cache, JIT) so "alone" is its steady state.
      load.run(Duration.ofMillis(200));
      Latencies alone = load.run(settings.alone());
      Latencies under;
      Optional<ExportWait> exportWait = Optional.empty();
      try (Running running = attack.on(attackerChannel, victim).start(outcomes)) {
        if (victimExports) {
          // Give the attacker's first exports the head of the queue, as a backlog would.
          Thread.sleep(100);
          Operation started = AccountsServiceGrpc.newBlockingStub(victimChannel)
              .withCallCredentials(victim.credentials()).withDeadlineAfter(10, TimeUnit.SECONDS)
              .exportUsers(ExportUsersRequest.newBuilder().setParent(victim.organization()).build());
          long start = System.nanoTime();
          under = load.run(settings.underAttack());
          exportWait = Optional.of(awaitExport(victimChannel, victim, started, start));
        } else {
          under = load.run(settings.underAttack());
        }
      }
      deleteJobsOf(victim);
      return new Result(name, alone, under, outcomes, exportWait);
    } finally {
      victimChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      attackerChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private ExportWait awaitExport(ManagedChannel channel, Tenant victim, Operation started,
      long startNanos) {
    var ops = OperationsGrpc.newBlockingStub(channel).withCallCredentials(victim.credentials());
    long until = startNanos + settings.victimExportBound().toNanos();
    Operation op = started;
    while (!op.getDone() && System.nanoTime() < until) {
      long leftMillis = Math.max(1, (until - System.nanoTime()) / 1_000_000);
      op = ops.withDeadlineAfter(leftMillis + 5_000, TimeUnit.MILLISECONDS)
          .waitOperation(WaitOperationRequest.newBuilder().setName(started.getName())
              .setTimeout(com.google.protobuf.Duration.newBuilder()
                  .setSeconds(Math.max(1, leftMillis / 1000))).build());
    }
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    return new ExportWait(op.getDone(), took, op.hasError() ? op.getError().toString().trim() : "");
  }

  private static String mintKey(FairnessServer server, String organization, Scope... scopes) {
    return ApiKeysServiceGrpc.newBlockingStub(server.adminChannel())
        .withCallCredentials(Tenant.bearer(FairnessServer.ADMIN_KEY))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .createApiKey(CreateApiKeyRequest.newBuilder().setParent(organization)
            .setApiKey(ApiKey.newBuilder().setDisplayName("attacker").addAllScopes(List.of(scopes)))
            .build())
        .getSecret();
  }

  /** A secret of the minted shape for a key that does not exist. */
  private static String madeUpKey() {
    byte[] id = new byte[16];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    return "rk_" + HexFormat.of().formatHex(id) + "_"
        + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  private void deleteJobsOf(Tenant tenant) {
    deleteJobsOf(tenant.organization());
  }

  /**
   * Removes a tenant's queued jobs, so that exports the scenario left behind are not claimed by
   * servers other tests start later on the same database.
   */
  private void deleteJobsOf(String organization) {
    try (var c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        var delete = c.prepareStatement("delete from jobs where args->>'organizationId' = ?")) {
      delete.setString(1, organization.substring("organizations/".length()));
      delete.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("could not delete the scenario's jobs", e);
    }
  }
}
