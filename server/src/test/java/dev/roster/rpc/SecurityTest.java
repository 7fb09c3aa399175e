package dev.roster.rpc;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import com.google.rpc.RetryInfo;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import dev.roster.proto.accounts.v1.BatchGetUsersRequest;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateApiKeyResponse;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.DeleteOrganizationRequest;
import dev.roster.proto.accounts.v1.DeleteUserRequest;
import dev.roster.proto.accounts.v1.GetApiKeyRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.ListApiKeysRequest;
import dev.roster.proto.accounts.v1.ListOrganizationsRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.LookupUserRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.ReactivateUserRequest;
import dev.roster.proto.accounts.v1.RevokeApiKeyRequest;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.UndeleteUserRequest;
import dev.roster.proto.accounts.v1.UpdateOrganizationRequest;
import dev.roster.proto.accounts.v1.UpdateUserRequest;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.MutableClock;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status.Code;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The security model through real gRPC: authentication, scopes, tenants, rate limits, deadlines. */
class SecurityTest {
  private static TestServer server;
  private static AccountsServiceGrpc.AccountsServiceBlockingStub admin;
  private static Organization orgA;
  private static Organization orgB;
  private static User userB;
  private static User userA;
  private static String keyA;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("ROSTER_DEFAULT_DEADLINE", "1s"));
    admin = server.accounts();
    orgA = org();
    orgB = org();
    userA = user(orgA);
    userB = user(orgB);
    keyA = key(orgA, ApiKey.Scope.ACCOUNTS_READ, ApiKey.Scope.ACCOUNTS_WRITE, ApiKey.Scope.KEYS_MANAGE);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  /**
   * A server of its own, in-process, on {@code clock}: moving the clock cannot disturb the other
   * tests, which share {@link #server}.
   */
  private static TestServer timeServer(MutableClock clock, Map<String, String> env) {
    return TestServer.builder().env(env).clock(clock).inProcess().start();
  }

  private static Organization org() {
    return admin.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("sec"))).build());
  }

  private static User user(Organization org) {
    return admin.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("u")).setEmail(Fixtures.email("u"))).build());
  }

  private static CreateApiKeyResponse createKey(Organization org, ApiKey.Builder key) {
    return server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(org.getName()).setApiKey(key).build());
  }

  private static String key(Organization org, ApiKey.Scope... scopes) {
    return createKey(org, ApiKey.newBuilder().addAllScopes(List.of(scopes))).getSecret();
  }

  private static String id(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  // --- authentication ---------------------------------------------------------------------

  @Test
  void everyMethod_withoutKey_unauthenticated() {
    for (ServiceDescriptor service : List.of(AccountsServiceGrpc.getServiceDescriptor(),
        ApiKeysServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        Failure f = failure(() -> callWithDefaultRequest(method));
        assertThat(f.code()).as(method.getFullMethodName()).isEqualTo(Code.UNAUTHENTICATED);
        assertThat(f.reason()).isEqualTo("API_KEY_MISSING");
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <Q, R> R callWithDefaultRequest(MethodDescriptor<Q, R> method) {
    Q request = (Q) ((MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller())
        .getMessagePrototype();
    return ClientCalls.blockingUnaryCall(server.channel(), method,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
  }

  @Test
  void badCredentials_unauthenticatedWithReason() {
    String unknown = "rk_" + UUID.randomUUID().toString().replace("-", "") + "_" + "A".repeat(43);
    String wrongSecret = keyA.substring(0, keyA.length() - 4) + "AAAA";
    Map<String, String> cases = Map.of(
        "Bearer short", "API_KEY_MALFORMED",
        "Basic dXNlcjpwYXNz", "API_KEY_MALFORMED",
        "Bearer " + unknown, "API_KEY_INVALID",
        "Bearer " + (wrongSecret.equals(keyA) ? keyA + "x" : wrongSecret), "API_KEY_INVALID");
    cases.forEach((header, reason) -> {
      var stub = AccountsServiceGrpc.newBlockingStub(server.channel())
          .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(authorization(header)));
      failure(() -> stub.getOrganization(GetOrganizationRequest.newBuilder().setName(orgA.getName()).build()))
          .is(Code.UNAUTHENTICATED, reason);
    });
  }

  private static io.grpc.Metadata authorization(String value) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), value);
    return headers;
  }

  @Test
  void guessingKeys_fromOneAddress_isThrottledBeforeTheDatabase_validKeyNeverBraked() throws Exception {
    MutableClock clock = MutableClock.startingNow();
    try (TestServer fresh = timeServer(clock, Map.of())) {
      GetOrganizationRequest get = GetOrganizationRequest.newBuilder().setName(orgA.getName()).build();
      // the admin key verifies once before the flood, so this replica knows its id
      assertThat(fresh.accounts().getOrganization(get).getName()).isEqualTo(orgA.getName());
      int refusedAsInvalid = 0;
      Failure throttled = null;
      for (int i = 0; i < 80 && throttled == null; i++) {
        String guess = "rk_" + UUID.randomUUID().toString().replace("-", "") + "_" + "B".repeat(43);
        Failure f = failure(() -> fresh.accounts(guess).getOrganization(get));
        if (f.code() == Code.RESOURCE_EXHAUSTED) {
          throttled = f.is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED");
        } else {
          f.is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
          refusedAsInvalid++;
        }
      }
      assertThat(throttled).as("guesses are throttled").isNotNull();
      assertThat(throttled.errorInfo().getMetadataMap()).containsEntry("budget", "unknownKeys");
      assertThat(refusedAsInvalid).as("the default burst of unknown-key lookups, no time passing")
          .isEqualTo(50);
      // a key that has verified here is never braked, even from the braked address
      assertThat(fresh.accounts().getOrganization(get).getName()).isEqualTo(orgA.getName());
      clock.advance(Duration.ofMillis(100)); // 10 lookups per second refill one token
      String guess = "rk_" + UUID.randomUUID().toString().replace("-", "") + "_" + "C".repeat(43);
      failure(() -> fresh.accounts(guess).getOrganization(get)).is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    }
  }

  @Test
  void keyCreatedByAKey_cannotOutliveOrOutpaceIt() {
    Instant inAnHour = Instant.now().plusSeconds(3600);
    String parent = createKey(orgA, ApiKey.newBuilder().addScopes(ApiKey.Scope.KEYS_MANAGE)
        .addScopes(ApiKey.Scope.ACCOUNTS_READ).setRateLimitPerSecond(5).setRateLimitBurst(5)
        .setExpireTime(Timestamp.newBuilder().setSeconds(inAnHour.getEpochSecond()))).getSecret();
    failure(() -> server.apiKeys(parent).createApiKey(CreateApiKeyRequest.newBuilder().setParent(orgA.getName())
        .setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ).setRateLimitPerSecond(100000))
        .build()))
        .is(Code.PERMISSION_DENIED, "RATE_LIMIT_ESCALATION");
    failure(() -> server.apiKeys(parent).createApiKey(CreateApiKeyRequest.newBuilder().setParent(orgA.getName())
        .setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)
            .setExpireTime(Timestamp.newBuilder().setSeconds(inAnHour.getEpochSecond() + 86400)))
        .build()))
        .is(Code.PERMISSION_DENIED, "LIFETIME_ESCALATION");
    ApiKey child = server.apiKeys(parent).createApiKey(CreateApiKeyRequest.newBuilder().setParent(orgA.getName())
        .setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)).build()).getApiKey();
    assertThat(child.getRateLimitPerSecond()).isEqualTo(5);
    assertThat(child.getExpireTime().getSeconds()).isEqualTo(inAnHour.getEpochSecond());
    failure(() -> server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(orgA.getName()).setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)
            .setExpireTime(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE / 2))).build()))
        .isBadField("api_key.expire_time", "INVALID_VALUE");
  }

  @Test
  void healthAndReflection_needNoKey() {
    assertThat(HealthGrpc.newBlockingStub(server.channel()).check(HealthCheckRequest.getDefaultInstance())
        .getStatus()).isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void revokedKey_refusedAtOnceHere_andWithinCacheTtlOnAnotherReplica() throws Exception {
    CreateApiKeyResponse created = createKey(orgA, ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ));
    MutableClock replicaClock = MutableClock.startingNow();
    try (TestServer replica = timeServer(replicaClock, Map.of("ROSTER_AUTH_CACHE_TTL", "1s"))) {
      GetOrganizationRequest get = GetOrganizationRequest.newBuilder().setName(orgA.getName()).build();
      assertThat(replica.accounts(created.getSecret()).getOrganization(get).getName()).isEqualTo(orgA.getName());

      ApiKey revoked = server.apiKeys(keyA).revokeApiKey(RevokeApiKeyRequest.newBuilder()
          .setName(created.getApiKey().getName()).build());
      assertThat(revoked.hasRevokeTime()).isTrue();
      failure(() -> server.accounts(created.getSecret()).getOrganization(get))
          .is(Code.UNAUTHENTICATED, "API_KEY_REVOKED");

      assertThat(replica.accounts(created.getSecret()).getOrganization(get).getName())
          .as("the replica trusts its cached verification until the TTL").isEqualTo(orgA.getName());
      replicaClock.advance(Duration.ofSeconds(1));
      // once its cache TTL has passed, the replica asks the database again
      failure(() -> replica.accounts(created.getSecret()).getOrganization(get))
          .is(Code.UNAUTHENTICATED, "API_KEY_REVOKED");
    }
  }

  @Test
  void expiredKey_unauthenticated() throws Exception {
    MutableClock clock = MutableClock.startingNow();
    try (TestServer timed = timeServer(clock, Map.of())) {
      Instant soon = clock.instant().plusSeconds(60);
      String secret = timed.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
          .setParent(orgA.getName()).setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)
              .setExpireTime(Timestamp.newBuilder().setSeconds(soon.getEpochSecond()).setNanos(soon.getNano())))
          .build()).getSecret();
      GetOrganizationRequest get = GetOrganizationRequest.newBuilder().setName(orgA.getName()).build();
      assertThat(timed.accounts(secret).getOrganization(get).getName()).isEqualTo(orgA.getName());
      clock.advance(Duration.ofSeconds(59));
      assertThat(timed.accounts(secret).getOrganization(get).getName()).as("a second before expiry")
          .isEqualTo(orgA.getName());
      clock.advance(Duration.ofSeconds(1));
      failure(() -> timed.accounts(secret).getOrganization(get)).is(Code.UNAUTHENTICATED, "API_KEY_EXPIRED");
    }
  }

  @Test
  void createdKey_secretShownOnce_storedOnlyAsHash() {
    CreateApiKeyResponse created = createKey(orgA, ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ));
    assertThat(created.getSecret()).matches("rk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}");
    assertThat(created.getSecret()).startsWith(created.getApiKey().getKeyPrefix());
    ApiKey read = server.apiKeys(keyA).getApiKey(GetApiKeyRequest.newBuilder()
        .setName(created.getApiKey().getName()).build());
    assertThat(read.toString()).doesNotContain(created.getSecret().substring(36));
    byte[] stored = TestDatabase.database().jdbi().withHandle(h -> h.createQuery(
            "select secret_hash from api_keys where id = :id")
        .bind("id", UUID.fromString(id(created.getApiKey().getName()))).mapTo(byte[].class).one());
    assertThat(stored).hasSize(32);
    assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain(created.getSecret().substring(36));
  }

  // --- authorisation ------------------------------------------------------------------------

  @Test
  void missingScope_permissionDenied() {
    String readOnly = key(orgA, ApiKey.Scope.ACCOUNTS_READ);
    String writeOnly = key(orgA, ApiKey.Scope.ACCOUNTS_WRITE);
    failure(() -> server.accounts(readOnly).createUser(CreateUserRequest.newBuilder().setParent(orgA.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("x")).setEmail(Fixtures.email("x"))).build()))
        .is(Code.PERMISSION_DENIED, "SCOPE_REQUIRED");
    failure(() -> server.accounts(writeOnly).getUser(GetUserRequest.newBuilder().setName(userA.getName()).build()))
        .is(Code.PERMISSION_DENIED, "SCOPE_REQUIRED");
    failure(() -> server.apiKeys(readOnly).listApiKeys(ListApiKeysRequest.newBuilder().setParent(orgA.getName()).build()))
        .is(Code.PERMISSION_DENIED, "SCOPE_REQUIRED");
    assertThat(server.accounts(readOnly).getUser(GetUserRequest.newBuilder().setName(userA.getName()).build())
        .getName()).isEqualTo(userA.getName());
  }

  @Test
  void keysManage_cannotGrantScopesItLacks() {
    String keyManager = key(orgA, ApiKey.Scope.KEYS_MANAGE, ApiKey.Scope.ACCOUNTS_READ);
    failure(() -> server.apiKeys(keyManager).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(orgA.getName()).setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_WRITE))
        .build()))
        .is(Code.PERMISSION_DENIED, "SCOPE_ESCALATION");
    assertThat(server.apiKeys(keyManager).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(orgA.getName()).setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ))
        .build()).getSecret()).startsWith("rk_");
  }

  @Test
  void organizationKey_cannotDoPlatformOperations() {
    var stub = server.accounts(keyA);
    failure(() -> stub.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("no"))).build()))
        .is(Code.PERMISSION_DENIED, "ADMIN_REQUIRED");
    failure(() -> stub.listOrganizations(ListOrganizationsRequest.getDefaultInstance()))
        .is(Code.PERMISSION_DENIED, "ADMIN_REQUIRED");
    failure(() -> stub.deleteOrganization(DeleteOrganizationRequest.newBuilder().setName(orgA.getName()).build()))
        .is(Code.PERMISSION_DENIED, "ADMIN_REQUIRED");
  }

  /**
   * AIP-211: another tenant's resources are refused before anything is read, so an existing user
   * of B and a random id under B give exactly the same error.
   */
  @Test
  void crossTenant_existingAndRandomIds_identicalPermissionDenied() {
    var stub = server.accounts(keyA);
    String existing = userB.getName();
    String random = orgB.getName() + "/users/" + UUID.randomUUID();
    String randomOrg = "organizations/" + UUID.randomUUID();
    List<Function<String, ThrowingCallable>> calls = List.of(
        name -> () -> stub.getUser(GetUserRequest.newBuilder().setName(name).build()),
        name -> () -> stub.updateUser(UpdateUserRequest.newBuilder()
            .setUser(User.newBuilder().setName(name).setDisplayName("pwned")).build()),
        name -> () -> stub.deleteUser(DeleteUserRequest.newBuilder().setName(name).build()),
        name -> () -> stub.undeleteUser(UndeleteUserRequest.newBuilder().setName(name).build()),
        name -> () -> stub.suspendUser(SuspendUserRequest.newBuilder().setName(name).build()),
        name -> () -> stub.reactivateUser(ReactivateUserRequest.newBuilder().setName(name).build()),
        name -> () -> stub.batchGetUsers(BatchGetUsersRequest.newBuilder()
            .setParent(name.substring(0, name.indexOf("/users/"))).addNames(name).build()));
    for (var call : calls) {
      Failure onExisting = failure(call.apply(existing)).is(Code.PERMISSION_DENIED, "TENANT_FORBIDDEN");
      Failure onRandom = failure(call.apply(random)).is(Code.PERMISSION_DENIED, "TENANT_FORBIDDEN");
      assertThat(onRandom.message()).isEqualTo(onExisting.message());
      assertThat(StatusProto.fromThrowable(onRandom.exception()))
          .isEqualTo(StatusProto.fromThrowable(onExisting.exception()));
    }
    List<Function<String, ThrowingCallable>> orgCalls = List.of(
        org -> () -> stub.getOrganization(GetOrganizationRequest.newBuilder().setName(org).build()),
        org -> () -> stub.updateOrganization(UpdateOrganizationRequest.newBuilder()
            .setOrganization(Organization.newBuilder().setName(org).setDisplayName("x")).build()),
        org -> () -> stub.listUsers(ListUsersRequest.newBuilder().setParent(org).build()),
        org -> () -> stub.lookupUser(LookupUserRequest.newBuilder().setParent(org).setHandle("someone").build()),
        org -> () -> stub.createUser(CreateUserRequest.newBuilder().setParent(org)
            .setUser(User.newBuilder().setHandle(Fixtures.slug("in")).setEmail(Fixtures.email("in"))).build()),
        org -> () -> server.apiKeys(keyA).listApiKeys(ListApiKeysRequest.newBuilder().setParent(org).build()),
        org -> () -> server.apiKeys(keyA).createApiKey(CreateApiKeyRequest.newBuilder().setParent(org)
            .setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)).build()));
    for (var call : orgCalls) {
      Failure onExisting = failure(call.apply(orgB.getName())).is(Code.PERMISSION_DENIED, "TENANT_FORBIDDEN");
      Failure onRandom = failure(call.apply(randomOrg)).is(Code.PERMISSION_DENIED, "TENANT_FORBIDDEN");
      assertThat(onRandom.message().replace(id(randomOrg), "X"))
          .isEqualTo(onExisting.message().replace(id(orgB.getName()), "X"));
    }
    assertThat(admin.getUser(GetUserRequest.newBuilder().setName(existing).build()).getDisplayName())
        .isNotEqualTo("pwned");
  }

  @Test
  void pageToken_replayedByAnotherTenant_refused() {
    String keyB = key(orgB, ApiKey.Scope.ACCOUNTS_READ);
    for (int i = 0; i < 3; i++) {
      user(orgA);
    }
    String tokenOfA = server.accounts(keyA).listUsers(ListUsersRequest.newBuilder()
        .setParent(orgA.getName()).setPageSize(1).build()).getNextPageToken();
    assertThat(tokenOfA).isNotEmpty();
    failure(() -> server.accounts(keyB).listUsers(ListUsersRequest.newBuilder()
        .setParent(orgA.getName()).setPageToken(tokenOfA).build()))
        .is(Code.PERMISSION_DENIED, "TENANT_FORBIDDEN");
    failure(() -> server.accounts(keyB).listUsers(ListUsersRequest.newBuilder()
        .setParent(orgB.getName()).setPageToken(tokenOfA).build()))
        .isBadField("page_token", "PAGE_TOKEN_MISMATCH");
  }

  @Test
  void apiKeyOfAnotherOrganization_notVisibleUnderOwnName() {
    String keyB = key(orgB, ApiKey.Scope.KEYS_MANAGE);
    CreateApiKeyResponse ofA = createKey(orgA, ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ));
    String disguised = orgB.getName() + "/apiKeys/" + id(ofA.getApiKey().getName());
    failure(() -> server.apiKeys(keyB).getApiKey(GetApiKeyRequest.newBuilder().setName(disguised).build()))
        .is(Code.NOT_FOUND, "API_KEY_NOT_FOUND");
    failure(() -> server.apiKeys(keyB).revokeApiKey(RevokeApiKeyRequest.newBuilder().setName(disguised).build()))
        .is(Code.NOT_FOUND, "API_KEY_NOT_FOUND");
    failure(() -> server.apiKeys(keyB).getApiKey(GetApiKeyRequest.newBuilder()
        .setName("apiKeys/" + UUID.randomUUID()).build()))
        .is(Code.PERMISSION_DENIED, "ADMIN_REQUIRED");
  }

  @Test
  void massAssignment_nameAndOutputFieldsInBodyIgnored() {
    User created = server.accounts(keyA).createUser(CreateUserRequest.newBuilder().setParent(orgA.getName())
        .setUser(User.newBuilder().setName(orgB.getName() + "/users/" + UUID.randomUUID())
            .setHandle(Fixtures.slug("mass")).setEmail(Fixtures.email("mass")).setStatus(User.Status.SUSPENDED)
            .setCreateTime(Timestamp.newBuilder().setSeconds(1)))
        .build());
    assertThat(created.getName()).startsWith(orgA.getName() + "/users/");
    assertThat(created.getStatus()).isEqualTo(User.Status.ACTIVE);
    assertThat(created.getCreateTime().getSeconds()).isGreaterThan(1);
    CreateApiKeyResponse key = createKey(orgA, ApiKey.newBuilder().setName("apiKeys/" + UUID.randomUUID())
        .addScopes(ApiKey.Scope.ACCOUNTS_READ).setRevokeTime(Timestamp.newBuilder().setSeconds(5)));
    assertThat(key.getApiKey().getName()).startsWith(orgA.getName() + "/apiKeys/");
    assertThat(key.getApiKey().hasRevokeTime()).isFalse();
  }

  // --- rate limits --------------------------------------------------------------------------

  @Test
  void burstOverLimit_resourceExhaustedWithRetryInfo_otherKeyUnaffected() throws Exception {
    MutableClock clock = MutableClock.startingNow();
    try (TestServer timed = timeServer(clock, Map.of())) {
      burstOverLimit(timed, clock);
    }
  }

  private static void burstOverLimit(TestServer server, MutableClock clock) throws Exception {
    String limited = createKey(orgA, ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)
        .setRateLimitPerSecond(1).setRateLimitBurst(3)).getSecret();
    String other = key(orgA, ApiKey.Scope.ACCOUNTS_READ);
    GetOrganizationRequest get = GetOrganizationRequest.newBuilder().setName(orgA.getName()).build();
    for (int i = 0; i < 3; i++) {
      server.accounts(limited).getOrganization(get);
    }
    Failure f = failure(() -> server.accounts(limited).getOrganization(get))
        .is(Code.RESOURCE_EXHAUSTED, "RATE_LIMIT_EXCEEDED");
    RetryInfo retry = StatusProto.fromThrowable(f.exception()).getDetailsList().stream()
        .filter(a -> a.is(RetryInfo.class)).findFirst().orElseThrow().unpack(RetryInfo.class);
    long delayMillis = retry.getRetryDelay().getSeconds() * 1000 + retry.getRetryDelay().getNanos() / 1_000_000;
    assertThat(delayMillis).as("no time has passed: a whole token's refill").isEqualTo(1000L);
    for (int i = 0; i < 10; i++) {
      assertThat(server.accounts(other).getOrganization(get).getName()).isEqualTo(orgA.getName());
    }
    clock.advance(Duration.ofMillis(delayMillis - 1));
    // a millisecond before the retry delay, still no token
    failure(() -> server.accounts(limited).getOrganization(get))
        .is(Code.RESOURCE_EXHAUSTED, "RATE_LIMIT_EXCEEDED");
    clock.advance(Duration.ofMillis(1));
    assertThat(server.accounts(limited).getOrganization(get).getName()).isEqualTo(orgA.getName());
  }

  // --- deadlines ----------------------------------------------------------------------------

  @Test
  void callWithoutDeadline_againstBlockedQuery_cutByDefaultDeadline_andQueryCancelled() throws Exception {
    User victim = user(orgA);
    try (Connection lock = DriverManager.getConnection(TestDatabase.jdbcUrl(), "postgres", "")) {
      lock.setAutoCommit(false);
      try (var s = lock.prepareStatement("select 1 from users where id = ? for update")) {
        s.setObject(1, UUID.fromString(id(victim.getName())));
        s.executeQuery();
      }
      var noDeadline = AccountsServiceGrpc.newBlockingStub(server.channel())
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY));
      // The client set no deadline, so this status (with Roster's ErrorInfo) can only come from
      // the server's default deadline; how long that took is for bench/, not for a test.
      failure(() -> noDeadline.suspendUser(SuspendUserRequest.newBuilder().setName(victim.getName()).build()))
          .is(Code.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED");
      Await.until("the cut call's query to be cancelled", () -> waitingRosterQueries() == 0);
      lock.rollback();
    }
    assertThat(admin.getUser(GetUserRequest.newBuilder().setName(victim.getName()).build()).getStatus())
        .isEqualTo(User.Status.ACTIVE);
  }

  @Test
  void callerDeadline_reachesTheDatabase() throws Exception {
    User victim = user(orgA);
    try (Connection lock = DriverManager.getConnection(TestDatabase.jdbcUrl(), "postgres", "")) {
      lock.setAutoCommit(false);
      try (var s = lock.prepareStatement("select 1 from users where id = ? for update")) {
        s.setObject(1, UUID.fromString(id(victim.getName())));
        s.executeQuery();
      }
      failure(() -> admin.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
          .suspendUser(SuspendUserRequest.newBuilder().setName(victim.getName()).build()));
      Await.until("the abandoned call's query to be cancelled", () -> waitingRosterQueries() == 0);
      lock.rollback();
    }
  }

  private static int waitingRosterQueries() {
    return TestDatabase.database().jdbi().withHandle(h -> h.createQuery("""
            select count(*) from pg_stat_activity
             where application_name = 'roster-api' and wait_event_type = 'Lock'""")
        .mapTo(Integer.class).one());
  }

}
