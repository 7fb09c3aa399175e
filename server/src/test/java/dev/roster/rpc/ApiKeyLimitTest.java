package dev.roster.rpc;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateApiKeyResponse;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.ListApiKeysRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.RevokeApiKeyRequest;
import dev.roster.testing.Fixtures;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.MutableClock;
import dev.roster.testing.TestServer;
import io.grpc.StatusRuntimeException;
import io.grpc.Status.Code;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ROSTER_MAX_KEYS_PER_ORGANIZATION: active keys per organization, counted race-free. */
class ApiKeyLimitTest {
  private static final int LIMIT = 5;
  private static final MutableClock clock = MutableClock.startingNow();
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.builder()
        .env(Map.of("ROSTER_MAX_KEYS_PER_ORGANIZATION", Integer.toString(LIMIT)))
        .clock(clock).inProcess().start();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  @Test
  void createApiKey_twentyAtOnce_neverMoreThanTheLimit() throws Exception {
    Organization org = org();
    ExecutorService pool = Executors.newFixedThreadPool(20);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Object>> results = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        results.add(pool.submit(() -> {
          go.await();
          try {
            return create(org);
          } catch (StatusRuntimeException e) {
            return e;
          }
        }));
      }
      go.countDown();
      int created = 0;
      for (Future<Object> result : results) {
        Object outcome = result.get();
        if (outcome instanceof StatusRuntimeException e) {
          limitReached(new Failure(e));
        } else {
          created++;
        }
      }
      assertThat(created).isEqualTo(LIMIT);
      assertThat(activeKeys(org)).isEqualTo(LIMIT);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void createApiKey_atTheLimit_revokingOrExpiryFreesASlot() {
    Organization org = org();
    Timestamp inAMinute = Timestamp.newBuilder()
        .setSeconds(clock.instant().plusSeconds(60).getEpochSecond()).build();
    CreateApiKeyResponse expiring = server.apiKeys(TestServer.ADMIN_KEY).createApiKey(
        CreateApiKeyRequest.newBuilder().setParent(org.getName()).setApiKey(ApiKey.newBuilder()
            .addScopes(ApiKey.Scope.ACCOUNTS_READ).setExpireTime(inAMinute)).build());
    List<CreateApiKeyResponse> keys = new ArrayList<>();
    for (int i = 1; i < LIMIT; i++) {
      keys.add(create(org));
    }
    limitReached(failure(() -> create(org)));

    server.apiKeys(TestServer.ADMIN_KEY).revokeApiKey(RevokeApiKeyRequest.newBuilder()
        .setName(keys.get(0).getApiKey().getName()).build());
    create(org);
    limitReached(failure(() -> create(org)));

    clock.advance(Duration.ofSeconds(61)); // the expiring key no longer counts
    create(org);
    limitReached(failure(() -> create(org)));
    assertThat(expiring.getApiKey().getName()).isNotBlank();
  }

  @Test
  void createApiKey_byAKeyWithKeysManage_isCountedToo() {
    Organization org = org();
    String manager = create(org, ApiKey.Scope.KEYS_MANAGE, ApiKey.Scope.ACCOUNTS_READ).getSecret();
    for (int i = 1; i < LIMIT; i++) {
      server.apiKeys(manager).createApiKey(CreateApiKeyRequest.newBuilder().setParent(org.getName())
          .setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)).build());
    }
    limitReached(failure(() -> server.apiKeys(manager).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(org.getName())
        .setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)).build())));
    // another organization is not affected
    create(org());
  }

  private static void limitReached(Failure f) {
    f.is(Code.FAILED_PRECONDITION, "API_KEY_LIMIT_REACHED");
    assertThat(f.errorInfo().getMetadataMap()).containsEntry("limit", Integer.toString(LIMIT));
  }

  private static Organization org() {
    return server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("keylimit"))).build());
  }

  private static CreateApiKeyResponse create(Organization org, ApiKey.Scope... scopes) {
    ApiKey.Builder key = ApiKey.newBuilder();
    for (ApiKey.Scope scope : scopes.length == 0 ? new ApiKey.Scope[] {ApiKey.Scope.ACCOUNTS_READ}
        : scopes) {
      key.addScopes(scope);
    }
    return server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(org.getName()).setApiKey(key).build());
  }

  private static int activeKeys(Organization org) {
    return server.apiKeys(TestServer.ADMIN_KEY).listApiKeys(ListApiKeysRequest.newBuilder()
        .setParent(org.getName()).setPageSize(1000).build()).getApiKeysCount();
  }
}
