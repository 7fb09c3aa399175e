package dev.roster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.longrunning.WaitOperationRequest;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.roster.RosterServer;
import dev.roster.config.RosterConfig;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.ListUsersResponse;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.CallerLimits;
import dev.roster.testing.PgBouncerProcess;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.TestServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: Roster through a real PgBouncer 1.18 in transaction pooling mode (separate processes:
 * PostgreSQL, PgBouncer), with {@code ROSTER_DATABASE_PREPARE_THRESHOLD=0} and migrations on
 * {@code ROSTER_DATABASE_DIRECT_URL}: the main RPC paths and the job paths work while Roster's
 * ~40 pooled connections share a few server connections; and the driver's default prepare
 * threshold does break through the same PgBouncer, so the setting is needed. Skipped without the
 * pgbouncer binary outside CI.
 */
class PgBouncerTest {
  /** Server connections PgBouncer may open to PostgreSQL (Roster's pools hold far more clients). */
  private static final int SERVER_CONNECTIONS = 8;

  @RegisterExtension
  static GreenMailExtension smtp = new GreenMailExtension(new ServerSetup(0, "127.0.0.1", "smtp"));

  @TempDir Path dataDir;

  private static PostgresProcess postgres;
  private static PgBouncerProcess bouncer;

  @BeforeAll
  static void start() {
    PgBouncerProcess.require();
    postgres = PostgresProcess.start();
    bouncer = PgBouncerProcess.start(postgres, SERVER_CONNECTIONS);
  }

  @AfterAll
  static void stop() {
    try {
      if (bouncer != null) {
        bouncer.close();
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Test
  void roster_servesCallsAndRunsJobs_throughTransactionPooling() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of(
        "ROSTER_GRPC_PORT", "0",
        "ROSTER_ADMIN_PORT", "0",
        "ROSTER_DATA_DIR", dataDir.toString(),
        "ROSTER_BOOTSTRAP_ADMIN_KEY", TestServer.ADMIN_KEY,
        "ROSTER_SHUTDOWN_GRACE", "1s",
        "ROSTER_DATABASE_URL", bouncer.jdbcUrl(),
        "ROSTER_DATABASE_DIRECT_URL", postgres.jdbcUrl(),
        "ROSTER_DATABASE_PREPARE_THRESHOLD", "0"));
    env.putAll(Map.of(
        "ROSTER_SMTP_HOST", "127.0.0.1",
        "ROSTER_SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()),
        "ROSTER_SMTP_STARTTLS", "false",
        "ROSTER_MAIL_FROM", "roster@example.com"));
    CallerLimits.lift(env);
    RosterServer roster = RosterServer.builder(RosterConfig.from(env)).start();
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", roster.port()).usePlaintext().build();
    try {
      Clients server = new Clients(channel);
      Organization org = server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
          .setOrganization(Organization.newBuilder().setSlug("bouncer").setDisplayName("Bouncer"))
          .build());

      // Many executions of the same statements (more than the driver's threshold of 5) on
      // connections that PgBouncer hands from server connection to server connection.
      Set<String> created = new HashSet<>();
      for (int i = 0; i < 25; i++) {
        User user = server.accounts().createUser(CreateUserRequest.newBuilder()
            .setParent(org.getName()).setUser(User.newBuilder().setHandle("user-" + i)
                .setEmail("user-" + i + "@example.com").setDisplayName("User " + i)).build());
        created.add(user.getName());
        assertThat(server.accounts().getUser(GetUserRequest.newBuilder().setName(user.getName())
            .build()).getEmail()).isEqualTo("user-" + i + "@example.com");
      }
      Set<String> listed = new HashSet<>();
      String token = "";
      int pages = 0;
      do {
        ListUsersResponse page = server.accounts().listUsers(ListUsersRequest.newBuilder()
            .setParent(org.getName()).setPageSize(10).setPageToken(token).build());
        page.getUsersList().forEach(u -> listed.add(u.getName()));
        token = page.getNextPageToken();
        pages++;
      } while (!token.isEmpty() && pages < 10);
      assertThat(pages).isEqualTo(3);
      assertThat(listed).isEqualTo(created);

      // API keys: created through PgBouncer, then authenticating calls (the auth pool's lookups).
      String secret = server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest
          .newBuilder().setParent(org.getName()).setApiKey(ApiKey.newBuilder()
              .addScopes(ApiKey.Scope.ACCOUNTS_READ)).build()).getSecret();
      for (int i = 0; i < 10; i++) {
        assertThat(server.accounts(secret).getUser(GetUserRequest.newBuilder()
            .setName(created.iterator().next()).build()).getName()).isIn(created);
      }

      // Jobs: every welcome email sent and its job completed; an export runs to completion.
      Await.until("25 welcome jobs to complete", () -> count(
          "select count(*) from jobs where kind = 'welcome_email' and state = 'completed'") == 25);
      assertThat(smtp.getReceivedMessages()).hasSize(25);
      Operation started = server.accounts().exportUsers(ExportUsersRequest.newBuilder()
          .setParent(org.getName()).build());
      var operations = OperationsGrpc.newBlockingStub(server.channel())
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY));
      Operation done = started;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (!done.getDone() && System.nanoTime() < until) {
        done = operations.withDeadlineAfter(10, TimeUnit.SECONDS).waitOperation(
            WaitOperationRequest.newBuilder().setName(started.getName())
                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5)).build());
      }
      assertThat(done.getDone()).isTrue();
      assertThat(done.hasError()).as("error: %s", done.getError()).isFalse();
      assertThat(done.getResponse().unpack(ExportUsersResponse.class).getUserCount()).isEqualTo(25);

      // It really went through PgBouncer: Roster holds at least its API pool's 20 connections
      // open, yet PostgreSQL has no more backends for it than PgBouncer's server connections.
      long backends = count("select count(*) from pg_stat_activity where datname = 'roster'"
          + " and backend_type = 'client backend' and pid <> pg_backend_pid()");
      assertThat(backends).as("PostgreSQL backends behind PgBouncer")
          .isBetween(1L, (long) SERVER_CONNECTIONS);
      assertThat(count("select count(*) from flyway_schema_history where success")).isPositive();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      roster.close();
    }
  }

  /** Stubs on a loopback channel to Roster, as TestServer's (which would start its own database). */
  private record Clients(ManagedChannel channel) {
    AccountsServiceGrpc.AccountsServiceBlockingStub accounts() {
      return accounts(TestServer.ADMIN_KEY);
    }

    AccountsServiceGrpc.AccountsServiceBlockingStub accounts(String key) {
      return AccountsServiceGrpc.newBlockingStub(channel).withCallCredentials(TestServer.bearer(key))
          .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    ApiKeysServiceGrpc.ApiKeysServiceBlockingStub apiKeys(String key) {
      return ApiKeysServiceGrpc.newBlockingStub(channel).withCallCredentials(TestServer.bearer(key))
          .withDeadlineAfter(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void driverDefaultPrepareThreshold_failsThroughTransactionPooling_zeroWorks() throws Exception {
    SQLException failure = catchThrowableOfType(() -> alternateServerConnections(5),
        SQLException.class);
    assertThat((Throwable) failure).as("the driver's named prepared statements through PgBouncer").isNotNull();
    // 26000: prepared statement "S_1" does not exist (on the other server connection);
    // 42P05: it already exists (another client's S_1 on that server connection).
    assertThat(failure.getSQLState()).isIn("26000", "42P05");

    assertThat(alternateServerConnections(0)).isEqualTo(40);
  }

  /**
   * Runs the same prepared statement 40 times on connection A through PgBouncer while connection B
   * keeps taking the server connection A last used (LIFO), so A's transactions move between server
   * connections. Returns the number of successful executions.
   */
  private static int alternateServerConnections(int prepareThreshold) throws SQLException {
    String url = bouncer.jdbcUrl() + "?prepareThreshold=" + prepareThreshold;
    int ok = 0;
    try (Connection a = DriverManager.getConnection(url, "postgres", "");
        Connection b = DriverManager.getConnection(url, "postgres", "");
        PreparedStatement statement = a.prepareStatement("select ?::int + 1")) {
      for (int i = 0; i < 20; i++) {
        ok += execute(statement, i);
        b.setAutoCommit(false);
        try (Statement s = b.createStatement()) {
          s.execute("select 1");
        }
        ok += execute(statement, i);
        b.commit();
        b.setAutoCommit(true);
      }
    }
    return ok;
  }

  private static int execute(PreparedStatement statement, int i) throws SQLException {
    statement.setInt(1, i);
    try (ResultSet rs = statement.executeQuery()) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(i + 1);
    }
    return 1;
  }

  private static long count(String sql) {
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }


}
