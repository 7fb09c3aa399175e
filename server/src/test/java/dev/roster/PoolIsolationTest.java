package dev.roster;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.roster.jobs.JobQueue;
import dev.roster.jobs.JobRequest;
import dev.roster.jobs.JobState;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.GetApiKeyRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.Status.Code;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The separate database pools through real servers on a real PostgreSQL: with one pool exhausted
 * (its connections held by statements blocked on a lock this test holds), the work of the other
 * pools goes on. The servers use a database of their own, so {@code pg_stat_activity} shows only
 * their connections, by pool name ({@code application_name}).
 */
class PoolIsolationTest {
  private static final String DATABASE = "roster_pools_test";
  private static String url;
  private static Jdbi jdbi;

  @BeforeAll
  static void database() {
    url = TestDatabase.jdbcUrl(DATABASE);
    jdbi = Jdbi.create(url, "postgres", "");
  }

  private static TestServer server(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("ROSTER_DATABASE_URL", url);
    // A pool that is exhausted refuses sooner than after the default 500 ms.
    all.put("ROSTER_DATABASE_ACQUIRE_TIMEOUT", "300ms");
    return TestServer.builder().env(all).inProcess().start();
  }

  @Test
  void apiPoolExhausted_authenticationJobsAndHealthCarryOn() throws Exception {
    try (TestServer server = server(Map.of("ROSTER_DATABASE_POOL_SIZE", "2",
        "ROSTER_HEALTH_CHECK_INTERVAL", "50ms"))) {
      var admin = server.accounts();
      Organization org = admin.createOrganization(CreateOrganizationRequest.newBuilder()
          .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("pools"))).build());
      User user = admin.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
          .setUser(User.newBuilder().setHandle(Fixtures.slug("u")).setEmail(Fixtures.email("u")))
          .build());
      // Keys never used yet, so nothing has cached them: authenticating needs the database.
      String reader = key(server, org);
      String otherReader = key(server, org);
      String wrongSecret = key(server, org).substring(0, 40) + "x".repeat(43);

      try (Connection lock = DriverManager.getConnection(url, "postgres", "")) {
        lock.setAutoCommit(false);
        try (var s = lock.prepareStatement("select 1 from users where id = ? for update")) {
          s.setObject(1, UUID.fromString(id(user.getName())));
          s.executeQuery();
        }
        // Two suspensions wait on the lock, each holding one of the API pool's two connections.
        List<ListenableFuture<User>> blocked = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          blocked.add(AccountsServiceGrpc.newFutureStub(server.channel())
              .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .suspendUser(SuspendUserRequest.newBuilder().setName(user.getName()).build()));
        }
        Await.until("both API connections to wait on the lock",
            () -> waitingOnLocks("roster-api") == 2);
        Instant exhausted = databaseNow();

        // The API pool is really gone: a call that needs it is refused for lack of a connection
        // (the database itself answers, so the pool is exhausted, not the database unavailable)...
        var get = GetOrganizationRequest.newBuilder().setName(org.getName()).build();
        assertThat(failure(() -> server.accounts(otherReader).getOrganization(get))
            .is(Code.UNAVAILABLE, "DATABASE_POOL_EXHAUSTED").retryDelay()).isPositive();
        // ...but authenticating did not need it: an uncached key is verified (then refused a
        // scope it lacks, before any API connection is asked for; a read by key, so the writes'
        // full share of the pool does not refuse it first) and a wrong secret is refused as such,
        // not as an unavailable database.
        failure(() -> server.apiKeys(reader).getApiKey(GetApiKeyRequest.newBuilder()
            .setName(org.getName() + "/apiKeys/" + UUID.randomUUID()).build()))
            .is(Code.PERMISSION_DENIED, "SCOPE_REQUIRED");
        // A write beyond the share is refused as such, also after authentication.
        assertThat(failure(() -> server.accounts(otherReader).suspendUser(
            SuspendUserRequest.newBuilder().setName(user.getName()).build()))
            .is(Code.UNAVAILABLE, "DATABASE_POOL_EXHAUSTED").errorInfo().getMetadataMap())
            .containsEntry("share", "expensive");
        failure(() -> server.accounts(wrongSecret).getOrganization(get))
            .is(Code.UNAUTHENTICATED, "API_KEY_INVALID");

        // Jobs go on: the heartbeat beats and a welcome email is sent.
        Await.until("a heartbeat after the API pool ran out",
            () -> lastHeartbeat().isAfter(exhausted));
        UUID job = new JobQueue(jdbi).enqueue(JobRequest.of("welcome_email",
                "{\"organizationId\": \"" + id(org.getName()) + "\", \"userId\": \""
                    + id(user.getName()) + "\"}").withQueue("mail")).id();
        Await.until("the welcome email job to complete",
            () -> new JobQueue(jdbi).get(job).orElseThrow().state() == JobState.COMPLETED);

        // Health probes on its own connection, and says so.
        Await.until("a health probe after the API pool ran out",
            () -> lastActivity("roster-health").isAfter(exhausted));
        assertThat(HealthGrpc.newBlockingStub(server.channel())
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(ServingStatus.SERVING);

        lock.rollback();
        for (ListenableFuture<User> call : blocked) {
          assertThat(call.get(30, TimeUnit.SECONDS).getStatus()).isEqualTo(User.Status.SUSPENDED);
        }
      }
    }
  }

  @Test
  void jobsPoolHeldByHandlers_heartbeatsAndClaimsCarryOn() throws Exception {
    try (TestServer worker = server(Map.of("ROSTER_ROLE", "worker",
        "ROSTER_QUEUES", "mail=2,default=1", "ROSTER_DATABASE_JOBS_POOL_SIZE", "2"))) {
      try (Connection lock = DriverManager.getConnection(url, "postgres", "")) {
        lock.setAutoCommit(false);
        // Welcome email handlers read users: with the table locked, each holds a jobs connection.
        try (var s = lock.createStatement()) {
          s.execute("lock table users in access exclusive mode");
        }
        JobQueue queue = new JobQueue(jdbi);
        for (int i = 0; i < 2; i++) {
          queue.enqueue(welcome().withQueue("mail"));
        }
        Await.until("both jobs connections to wait on the lock",
            () -> waitingOnLocks("roster-jobs") == 2);
        Instant exhausted = databaseNow();

        Await.until("a heartbeat after the handlers took the jobs pool",
            () -> lastHeartbeat().isAfter(exhausted));
        // A queue with a free slot still has its job claimed.
        UUID claimed = queue.enqueue(welcome()).id();
        Await.until("the default queue's job to be claimed",
            () -> queue.get(claimed).orElseThrow().attempt() >= 1);
        lock.rollback();
      }
    }
  }

  @Test
  void eachRole_opensOnlyItsPools() throws Exception {
    try (TestServer worker = server(Map.of("ROSTER_ROLE", "worker",
        "ROSTER_DATABASE_JOBS_POOL_SIZE", "3"))) {
      Await.until("the worker's pools to fill", () -> connectionsByPool().equals(
          Map.of("roster-jobs", 3, "roster-jobs-control", 4, "roster-health", 1)));
    }
    try (TestServer api = server(Map.of("ROSTER_ROLE", "api", "ROSTER_DATABASE_POOL_SIZE", "3",
        "ROSTER_DATABASE_AUTH_POOL_SIZE", "2"))) {
      Await.until("the API server's pools to fill", () -> connectionsByPool().equals(
          Map.of("roster-api", 3, "roster-auth", 2, "roster-health", 1)));
    }
  }

  private static JobRequest welcome() {
    return JobRequest.of("welcome_email", "{\"organizationId\": \"" + UUID.randomUUID()
        + "\", \"userId\": \"" + UUID.randomUUID() + "\"}");
  }

  private static String key(TestServer server, Organization org) {
    return server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(org.getName())
        .setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)).build()).getSecret();
  }

  private static String id(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  private static Instant databaseNow() {
    return jdbi.withHandle(h -> h.createQuery("select now()").mapTo(Instant.class).one());
  }

  private static Instant lastHeartbeat() {
    return jdbi.withHandle(h -> h.createQuery(
            "select coalesce(max(heartbeat_at), '-infinity') from job_nodes")
        .mapTo(Instant.class).one());
  }

  /** When a backend of {@code pool} last started a statement or changed state. */
  private static Instant lastActivity(String pool) {
    return jdbi.withHandle(h -> h.createQuery("""
            select coalesce(max(greatest(query_start, state_change)), '-infinity')
              from pg_stat_activity where datname = :db and application_name = :pool""")
        .bind("db", DATABASE).bind("pool", pool).mapTo(Instant.class).one());
  }

  private static int waitingOnLocks(String pool) {
    return jdbi.withHandle(h -> h.createQuery("""
            select count(*) from pg_stat_activity
             where datname = :db and application_name = :pool and wait_event_type = 'Lock'""")
        .bind("db", DATABASE).bind("pool", pool).mapTo(Integer.class).one());
  }

  private static Map<String, Integer> connectionsByPool() {
    return jdbi.withHandle(h -> h.createQuery("""
            select application_name, count(*)::int as n from pg_stat_activity
             where datname = :db and application_name like 'roster-%'
             group by application_name""")
        .bind("db", DATABASE)
        .reduceRows(new HashMap<String, Integer>(), (map, row) -> {
          map.put(row.getColumn("application_name", String.class),
              row.getColumn("n", Integer.class));
          return map;
        }));
  }
}
