package dev.roster.server;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.longrunning.WaitOperationRequest;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.MutableClock;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.Context;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Admission control through real gRPC on a real PostgreSQL: shedding when the call queue is full,
 * bulkheads per key and per organization, the organization's rate bucket, the cost of a page, the
 * deadline cap and the cap on waits. Each test runs a server of its own with small limits. Calls
 * are made to hang deterministically by holding a row lock that they wait on.
 */
class AdmissionTest {

  // --- shedding -------------------------------------------------------------------------------

  @Test
  void callQueueFull_newCallShedAtOnceWithRetryInfo_healthStillAnswers() throws Exception {
    try (TestServer server = TestServer.builder().env(Map.of(
        "ROSTER_CALL_THREADS", "2", "ROSTER_CALL_QUEUE", "2")).inProcess().start();
        RowLock lock = new RowLock()) {
      User victim = user(server, org(server));
      lock.lock(victim);
      List<ListenableFuture<User>> blocked = new ArrayList<>();
      // Two calls take the two call threads (they wait on the lock), two more wait in the queue.
      for (int i = 1; i <= 4; i++) {
        blocked.add(suspendAsync(server, victim));
        int running = Math.min(i, 2);
        int queued = Math.max(0, i - 2);
        Await.until(running + " running and " + queued + " queued", () ->
            RowLock.waitingQueries() == running && server.server().callsWaiting() == queued);
      }

      // Had it been queued, this call would end at its deadline, DEADLINE_EXCEEDED.
      Failure shed = failure(() -> server.accounts().withDeadlineAfter(5, TimeUnit.SECONDS)
          .getOrganization(GetOrganizationRequest.newBuilder()
              .setName("organizations/" + UUID.randomUUID()).build()))
          .is(Code.UNAVAILABLE, "SERVER_OVERLOADED");
      assertThat(shed.retryDelay()).isPositive();
      assertThat(HealthGrpc.newBlockingStub(server.channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.SERVING);

      lock.release();
      for (var call : blocked) {
        // Admitted calls were not shed: each ran once the lock was gone.
        assertThat(outcome(call)).isNotEqualTo(Code.UNAVAILABLE);
      }
      assertThat(server.accounts().getUser(dev.roster.proto.accounts.v1.GetUserRequest.newBuilder()
          .setName(victim.getName()).build()).getStatus()).isEqualTo(User.Status.SUSPENDED);
    }
  }

  // --- bulkheads ------------------------------------------------------------------------------

  @Test
  void callsInFlight_keyAndOrganizationLimits_refuseOnlyThatTenant_andAreGivenBack()
      throws Exception {
    try (TestServer server = TestServer.builder().env(Map.of(
        "ROSTER_MAX_CALLS_IN_FLIGHT_PER_KEY", "2",
        "ROSTER_MAX_CALLS_IN_FLIGHT_PER_ORGANIZATION", "2")).inProcess().start();
        RowLock lock = new RowLock()) {
      Organization org = org(server);
      Organization other = org(server);
      String first = key(server, org, ApiKey.newBuilder());
      String second = key(server, org, ApiKey.newBuilder());
      String outsider = key(server, other, ApiKey.newBuilder());
      User victim = user(server, org);
      lock.lock(victim);
      var held = List.of(suspendAsync(server, first, victim), suspendAsync(server, first, victim));
      Await.until("the first key's two calls to hold their places",
          () -> RowLock.waitingQueries() == 2);

      Failure byKey = failure(() -> getOrganization(server, first, org))
          .is(Code.RESOURCE_EXHAUSTED, "CONCURRENCY_LIMIT_EXCEEDED");
      assertThat(byKey.errorInfo().getMetadataMap())
          .containsEntry("scope", "key").containsEntry("limit", "2");
      assertThat(byKey.retryDelay()).isPositive();
      Failure byOrganization = failure(() -> getOrganization(server, second, org))
          .is(Code.RESOURCE_EXHAUSTED, "CONCURRENCY_LIMIT_EXCEEDED");
      assertThat(byOrganization.errorInfo().getMetadataMap())
          .containsEntry("scope", "organization").containsEntry("limit", "2");
      assertThat(getOrganization(server, outsider, other).getName()).isEqualTo(other.getName());

      lock.release();
      for (var call : held) {
        outcome(call);
      }
      // Both places of the organization are back, for either key.
      assertThat(getOrganization(server, second, org).getName()).isEqualTo(org.getName());
      assertThat(getOrganization(server, first, org).getName()).isEqualTo(org.getName());
    }
  }

  @Test
  void callInFlight_cancelledByClient_givesItsPlaceBack() throws Exception {
    try (TestServer server = TestServer.builder().env(Map.of(
        "ROSTER_MAX_CALLS_IN_FLIGHT_PER_KEY", "1")).inProcess().start();
        RowLock lock = new RowLock()) {
      Organization org = org(server);
      String key = key(server, org, ApiKey.newBuilder());
      User victim = user(server, org);
      lock.lock(victim);
      var held = suspendAsync(server, key, victim);
      Await.until("the call to hold the key's place", () -> RowLock.waitingQueries() == 1);
      failure(() -> getOrganization(server, key, org))
          .is(Code.RESOURCE_EXHAUSTED, "CONCURRENCY_LIMIT_EXCEEDED");

      held.cancel(true);
      Await.until("the cancelled call's place to be given back", () -> {
        try {
          return getOrganization(server, key, org).getName().equals(org.getName());
        } catch (StatusRuntimeException stillHeld) {
          return false;
        }
      });
    }
  }

  // --- rate: the organization's bucket and the cost of a page ---------------------------------

  @Test
  void organizationBucket_sharedByItsKeys_refusesTheSecondKey_untilRefilled() throws Exception {
    MutableClock clock = MutableClock.startingNow();
    try (TestServer server = TestServer.builder().clock(clock).env(Map.of(
        "ROSTER_ORGANIZATION_RATE_LIMIT_PER_SECOND", "1",
        "ROSTER_ORGANIZATION_RATE_LIMIT_BURST", "3")).inProcess().start()) {
      Organization org = org(server);
      Organization other = org(server);
      String first = key(server, org, ApiKey.newBuilder());
      String second = key(server, org, ApiKey.newBuilder());
      String outsider = key(server, other, ApiKey.newBuilder());

      getOrganization(server, first, org);
      getOrganization(server, first, org);
      getOrganization(server, second, org);
      Failure refused = failure(() -> getOrganization(server, second, org))
          .is(Code.RESOURCE_EXHAUSTED, "ORGANIZATION_RATE_LIMIT_EXCEEDED");
      assertThat(refused.retryDelay()).isPositive();
      assertThat(getOrganization(server, outsider, other).getName()).isEqualTo(other.getName());

      clock.advance(Duration.ofSeconds(1));
      assertThat(getOrganization(server, second, org).getName()).isEqualTo(org.getName());
    }
  }

  @Test
  void listUsers_largePage_costsTokensByPageSize_andDoubleForUnindexedOrder() throws Exception {
    MutableClock clock = MutableClock.startingNow();
    try (TestServer server = TestServer.builder().clock(clock).inProcess().start()) {
      Organization org = org(server);
      // 12 tokens: a page of 1000 costs 11 (1 + 1000 / 100), which leaves one call.
      String plain = key(server, org, ApiKey.newBuilder().setRateLimitPerSecond(1).setRateLimitBurst(12));
      listUsers(server, plain, org, 1000, "");
      getOrganization(server, plain, org);
      failure(() -> getOrganization(server, plain, org))
          .is(Code.RESOURCE_EXHAUSTED, "RATE_LIMIT_EXCEEDED");

      // 23 tokens: the same page in an order that names two fields costs 22.
      String mixed = key(server, org, ApiKey.newBuilder().setRateLimitPerSecond(1).setRateLimitBurst(23));
      listUsers(server, mixed, org, 1000, "display_name desc, handle");
      getOrganization(server, mixed, org);
      failure(() -> getOrganization(server, mixed, org))
          .is(Code.RESOURCE_EXHAUSTED, "RATE_LIMIT_EXCEEDED");

      // The default page costs what any call costs.
      String small = key(server, org, ApiKey.newBuilder().setRateLimitPerSecond(1).setRateLimitBurst(2));
      listUsers(server, small, org, 0, "");
      getOrganization(server, small, org);
      failure(() -> getOrganization(server, small, org))
          .is(Code.RESOURCE_EXHAUSTED, "RATE_LIMIT_EXCEEDED");
    }
  }

  // --- deadlines ------------------------------------------------------------------------------

  @Test
  void clientDeadlineAboveCap_loweredToCap() throws Exception {
    try (TestServer server = TestServer.builder().env(Map.of(
        "ROSTER_DEFAULT_DEADLINE", "1s", "ROSTER_MAX_DEADLINE", "1s")).inProcess().start();
        RowLock lock = new RowLock()) {
      User victim = user(server, org(server));
      lock.lock(victim);
      // The client allows 5 minutes; only the server's cap can end it, and with Roster's ErrorInfo.
      failure(() -> server.accounts().withDeadlineAfter(5, TimeUnit.MINUTES)
          .suspendUser(SuspendUserRequest.newBuilder().setName(victim.getName()).build()))
          .is(Code.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED");
      Await.until("the capped call's query to be cancelled", () -> RowLock.waitingQueries() == 0);
    }
  }

  // --- waits ----------------------------------------------------------------------------------

  @Test
  void waitOperation_perKeyCap_refusesTheNext_andCancelGivesItBack() throws Exception {
    try (TestServer server = TestServer.builder().env(Map.of(
        "ROSTER_ROLE", "api", "ROSTER_MAX_WAITS_PER_KEY", "1")).inProcess().start()) {
      Organization org = org(server);
      String key = key(server, org, ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ));
      String otherKey = key(server, org, ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ));
      // No worker runs in the api role; its job is also moved to a queue nobody serves, so no
      // worker of another server on the same database finishes it either, and waits wait.
      Operation export = server.accounts().exportUsers(
          ExportUsersRequest.newBuilder().setParent(org.getName()).build());
      assertThat(park(export)).as("the export's job, parked before any worker ran it").isEqualTo(1);
      List<Context.CancellableContext> wait = new ArrayList<>();
      List<CompletableFuture<Operation>> answer = new ArrayList<>();
      startWait(server, key, export, wait, answer);
      // The probe (a wait of timeout 0, answered at once when admitted) is refused once the wait
      // holds the key's place. A probe that got there first held it for a moment and the wait was
      // refused instead: then the wait is started again.
      Await.until("the wait to hold the key's place", () -> {
        if (answer.get(0).isDone()) {
          assertThat(answer.get(0)).isCompletedExceptionally();
          wait.clear();
          answer.clear();
          startWait(server, key, export, wait, answer);
          return false;
        }
        return checkOnce(server, key, export) != null;
      });
      Failure refused = new Failure(checkOnce(server, key, export))
          .is(Code.RESOURCE_EXHAUSTED, "WAIT_LIMIT_EXCEEDED");
      assertThat(refused.errorInfo().getMetadataMap()).containsEntry("limit", "1");
      assertThat(refused.retryDelay()).isPositive();
      assertThat(checkOnce(server, otherKey, export)).as("another key's wait").isNull();
      assertThat(answer.get(0)).as("the waiting call").isNotDone();

      wait.get(0).cancel(null);
      Await.until("the cancelled wait to give its place back",
          () -> checkOnce(server, key, export) == null);
    }
  }

  private static void startWait(TestServer server, String key, Operation op,
      List<Context.CancellableContext> waits, List<CompletableFuture<Operation>> answers) {
    Context.CancellableContext call = Context.current().withCancellation();
    CompletableFuture<Operation> answer = new CompletableFuture<>();
    call.run(() -> OperationsGrpc.newStub(server.channel())
        .withCallCredentials(TestServer.bearer(key)).withDeadlineAfter(5, TimeUnit.MINUTES)
        .waitOperation(waitFor(op, 60), observer(answer)));
    waits.add(call);
    answers.add(answer);
  }

  // --- helpers --------------------------------------------------------------------------------

  private static int park(Operation op) {
    UUID id = UUID.fromString(op.getName().substring(op.getName().lastIndexOf('/') + 1));
    return TestDatabase.database().jdbi().withHandle(h -> h.createUpdate("""
            update jobs set queue = 'parked-by-admission-test'
             where state = 'available' and id = (select job_id from operations where id = :id)""")
        .bind("id", id).execute());
  }

  /** A WaitOperation that checks once (timeout 0): null if answered, else its refusal. */
  private static StatusRuntimeException checkOnce(TestServer server, String key, Operation op) {
    try {
      OperationsGrpc.newBlockingStub(server.channel()).withCallCredentials(TestServer.bearer(key))
          .withDeadlineAfter(30, TimeUnit.SECONDS).waitOperation(waitFor(op, 0));
      return null;
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  private static WaitOperationRequest waitFor(Operation op, int seconds) {
    return WaitOperationRequest.newBuilder().setName(op.getName())
        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(seconds)).build();
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<T> answer) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        answer.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static Organization org(TestServer server) {
    return server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("adm"))).build());
  }

  private static User user(TestServer server, Organization org) {
    return server.accounts().createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("u")).setEmail(Fixtures.email("u")))
        .build());
  }

  /** An ACCOUNTS_READ + ACCOUNTS_WRITE key of {@code org} (plus whatever {@code key} says). */
  private static String key(TestServer server, Organization org, ApiKey.Builder key) {
    if (key.getScopesCount() == 0) {
      key.addScopes(ApiKey.Scope.ACCOUNTS_READ).addScopes(ApiKey.Scope.ACCOUNTS_WRITE);
    }
    return server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(org.getName()).setApiKey(key).build()).getSecret();
  }

  private static Organization getOrganization(TestServer server, String key, Organization org) {
    return server.accounts(key).getOrganization(
        GetOrganizationRequest.newBuilder().setName(org.getName()).build());
  }

  private static void listUsers(TestServer server, String key, Organization org, int pageSize,
      String orderBy) {
    server.accounts(key).listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
        .setPageSize(pageSize).setOrderBy(orderBy).build());
  }

  private static ListenableFuture<User> suspendAsync(TestServer server, User user) {
    return suspendAsync(server, TestServer.ADMIN_KEY, user);
  }

  private static ListenableFuture<User> suspendAsync(TestServer server, String key, User user) {
    return AccountsServiceGrpc.newFutureStub(server.channel())
        .withCallCredentials(TestServer.bearer(key)).withDeadlineAfter(1, TimeUnit.MINUTES)
        .suspendUser(SuspendUserRequest.newBuilder().setName(user.getName()).build());
  }

  /** The code a call ended with (OK when it answered); waits for it to end. */
  private static Code outcome(ListenableFuture<?> call) throws InterruptedException {
    try {
      call.get(1, TimeUnit.MINUTES);
      return Code.OK;
    } catch (ExecutionException e) {
      return io.grpc.Status.fromThrowable(e.getCause()).getCode();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("call did not end", e);
    }
  }

  /** A user row locked FOR UPDATE by a connection of the test's own, so writes to it wait. */
  private static final class RowLock implements AutoCloseable {
    private final Connection connection;

    RowLock() throws Exception {
      connection = DriverManager.getConnection(TestDatabase.jdbcUrl(), "postgres", "");
      connection.setAutoCommit(false);
    }

    void lock(User user) throws Exception {
      try (var s = connection.prepareStatement("select 1 from users where id = ? for update")) {
        String name = user.getName();
        s.setObject(1, UUID.fromString(name.substring(name.lastIndexOf('/') + 1)));
        s.executeQuery();
      }
    }

    void release() throws Exception {
      connection.rollback();
    }

    /** Roster's statements now waiting on a lock. */
    static int waitingQueries() {
      return TestDatabase.database().jdbi().withHandle(h -> h.createQuery("""
              select count(*) from pg_stat_activity
               where application_name = 'roster-api' and wait_event_type = 'Lock'""")
          .mapTo(Integer.class).one());
    }

    @Override
    public void close() throws Exception {
      connection.rollback();
      connection.close();
    }
  }
}
