package dev.roster.faults;

import com.google.common.util.concurrent.ListenableFuture;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.TestServer;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Shared moves of the database fault tests: an organization and user to work on, a row lock held
 * by the test so that writes of that user block inside PostgreSQL (holding a pooled connection and
 * a running statement), and the count of Roster backends waiting on it.
 */
final class Blocking {
  private Blocking() {}

  /**
   * An API-role server on {@code postgres} with {@code env} on top, its admin key cached for an
   * hour (so authentication needs no database while it is frozen or blocked).
   */
  static TestServer server(PostgresProcess postgres, Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("ROSTER_DATABASE_URL", postgres.jdbcUrl());
    all.put("ROSTER_ROLE", "api");
    all.put("ROSTER_AUTH_CACHE_TTL", "1h");
    return TestServer.start(all);
  }

  static Organization org(TestServer server) {
    return server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("faults"))).build());
  }

  static User user(TestServer server, Organization org) {
    return server.accounts().createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("u")).setEmail(Fixtures.email("u")))
        .build());
  }

  /** Locks {@code user}'s row in an open transaction of a new connection to {@code jdbcUrl}. */
  static Connection lock(String jdbcUrl, User user) throws SQLException {
    Connection lock = DriverManager.getConnection(jdbcUrl, "postgres", "");
    lock.setAutoCommit(false);
    try (var s = lock.prepareStatement("select 1 from users where id = ? for update")) {
      s.setObject(1, id(user.getName()));
      s.executeQuery();
    }
    return lock;
  }

  static UUID id(String name) {
    return UUID.fromString(name.substring(name.lastIndexOf('/') + 1));
  }

  /** Roster backends ({@code application_name} roster-*) matching {@code where}, e.g. waiting. */
  static int rosterBackends(String jdbcUrl, String where) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        var s = c.createStatement();
        var r = s.executeQuery("select count(*) from pg_stat_activity"
            + " where application_name like 'roster-%' " + where)) {
      r.next();
      return r.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static int waitingOnLocks(String jdbcUrl) {
    return rosterBackends(jdbcUrl, "and wait_event_type = 'Lock'");
  }

  /**
   * Sends {@code count} SuspendUser calls on {@code user}, whose row the caller has locked
   * ({@link #lock}), and returns once all of them wait on that lock, each holding a connection.
   */
  static List<ListenableFuture<User>> blockedWrites(TestServer server, PostgresProcess postgres,
      User user, int count, long deadlineMillis) {
    List<ListenableFuture<User>> writes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      writes.add(suspend(server, user, deadlineMillis));
    }
    Await.until(count + " writes blocked on the lock",
        () -> waitingOnLocks(postgres.jdbcUrl()) == count);
    return writes;
  }

  /** A SuspendUser of {@code user} as the admin, with {@code deadlineMillis}: a write that blocks. */
  static ListenableFuture<User> suspend(TestServer server, User user, long deadlineMillis) {
    return AccountsServiceGrpc.newFutureStub(server.channel())
        .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
        .suspendUser(SuspendUserRequest.newBuilder().setName(user.getName()).build());
  }

  /** Milliseconds one health Check on the server's channel takes (deadline 5 s: measured, not cut). */
  static long healthMillis(TestServer server) {
    long start = System.nanoTime();
    try {
      HealthGrpc.newBlockingStub(server.channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
    } catch (io.grpc.StatusRuntimeException e) {
      if (e.getStatus().getCode() != io.grpc.Status.Code.DEADLINE_EXCEEDED) {
        throw e;
      }
      // Reported as its time (5 s): the assertion on the times names what went wrong.
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }
}
