package dev.roster.server;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.RetryInfo;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.Fixtures;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.MutableClock;
import dev.roster.testing.TestServer;
import io.grpc.Metadata;
import io.grpc.Status.Code;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The failed-authentication brake through real gRPC on a loopback TCP port, so every call comes
 * from 127.0.0.1 and attacker and victim share an address, as they do behind a NAT or a sidecar.
 * Budgets are small (failures 5 then 1/s, unknown-key lookups 8 then 2/s) and time moves only
 * when the test moves the clock.
 */
class AuthBrakeTest {
  private static final Map<String, String> SMALL_BUDGETS = Map.of(
      "ROSTER_AUTH_FAILURE_BURST", "5",
      "ROSTER_AUTH_FAILURES_PER_SECOND", "1",
      "ROSTER_AUTH_UNKNOWN_KEY_BURST", "8",
      "ROSTER_AUTH_UNKNOWN_KEYS_PER_SECOND", "2");

  private final MutableClock clock = MutableClock.startingNow();
  private TestServer server;
  private Organization org;
  private GetOrganizationRequest get;
  private String victim;

  private void start(Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>(SMALL_BUDGETS);
    env.putAll(extraEnv);
    server = TestServer.builder().env(env).clock(clock).start(); // loopback TCP, not in-process
    org = server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("brake"))).build());
    get = GetOrganizationRequest.newBuilder().setName(org.getName()).build();
    victim = newKey();
    victimCallSucceeds(); // the victim's key has verified on this replica
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void randomKeyIds_fromVictimsAddress_brakeAttackerWithRetryInfo_neverVictim() throws Exception {
    start(Map.of());
    int invalid = 0;
    Failure braked = null;
    for (int i = 0; i < 30; i++) {
      Failure f = failure(() -> call(randomKey(), Optional.empty()));
      if (f.code() == Code.RESOURCE_EXHAUSTED) {
        braked = f.is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED");
        assertThat(f.errorInfo().getMetadataMap())
            .containsEntry("budget", "unknownKeys").containsEntry("peer", "127.0.0.1");
      } else {
        f.is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
        invalid++;
      }
      victimCallSucceeds();
    }
    assertThat(invalid).as("the lookups of unknown ids the address may make at once").isEqualTo(8);
    assertThat(retryDelay(braked)).as("one token at 2 per second").isEqualTo(Duration.ofMillis(500));
    clock.advance(Duration.ofMillis(500));
    failure(() -> call(randomKey(), Optional.empty())).is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    failure(() -> call(randomKey(), Optional.empty()))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED");
  }

  @Test
  void wrongSecretsForTheVictimsKeyId_brakeThatIdFromThisAddress_notTheRightSecret() throws Exception {
    start(Map.of());
    String victimsId = victim.substring(0, "rk_".length() + 32);
    for (int i = 0; i < 5; i++) {
      failure(() -> call(victimsId + "_" + randomSecret(), Optional.empty()))
          .is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
      victimCallSucceeds();
    }
    Failure braked = failure(() -> call(victimsId + "_" + randomSecret(), Optional.empty()))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED");
    assertThat(braked.errorInfo().getMetadataMap()).containsEntry("budget", "key");
    assertThat(retryDelay(braked)).isEqualTo(Duration.ofSeconds(1));
    for (int i = 0; i < 5; i++) {
      victimCallSucceeds();
    }
  }

  @Test
  void oneMadeUpKeyIdWithManySecrets_usesUpThatIdsBudgetBeforeTheAddresss() throws Exception {
    start(Map.of());
    String id = "rk_" + UUID.randomUUID().toString().replace("-", "");
    for (int i = 0; i < 5; i++) {
      failure(() -> call(id + "_" + randomSecret(), Optional.empty()))
          .is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    }
    assertThat(failure(() -> call(id + "_" + randomSecret(), Optional.empty()))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED").errorInfo().getMetadataMap())
        .containsEntry("budget", "key");
    // the refused call gave the address's lookup budget its token back: 3 of 8 are left
    for (int i = 0; i < 3; i++) {
      failure(() -> call(randomKey(), Optional.empty())).is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    }
    failure(() -> call(randomKey(), Optional.empty()))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED");
    victimCallSucceeds();
  }

  @Test
  void malformedKeys_haveABudgetOfTheirOwn() throws Exception {
    start(Map.of());
    for (int i = 0; i < 5; i++) {
      failure(() -> call("not a roster key", Optional.empty()))
          .is(Code.UNAUTHENTICATED, "API_KEY_MALFORMED");
    }
    assertThat(failure(() -> call("short", Optional.empty()))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED").errorInfo().getMetadataMap())
        .containsEntry("budget", "malformed");
    failure(() -> call(randomKey(), Optional.empty())).is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    victimCallSucceeds();
  }

  @Test
  void keyNeverSeenHere_fromAnAddressOutOfLookups_waitsForTheRefill() throws Exception {
    start(Map.of());
    String fresh = newKey(); // created through the admin key, not yet used on this replica
    for (int i = 0; i < 8; i++) {
      failure(() -> call(randomKey(), Optional.empty())).is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    }
    // the price of bounding the database: a key this replica has never seen verify is a lookup
    failure(() -> call(fresh, Optional.empty())).is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED");
    clock.advance(Duration.ofMillis(500));
    assertThat(call(fresh, Optional.empty()).getName()).isEqualTo(org.getName());
    // verified once, its lookup token came back and it is never braked again
    failure(() -> call(randomKey(), Optional.empty())).is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    failure(() -> call(randomKey(), Optional.empty()))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED");
    assertThat(call(fresh, Optional.empty()).getName()).isEqualTo(org.getName());
  }

  @Test
  void trustedProxy_forwardedAddressIsTheClient_ipv6GroupedBy64() throws Exception {
    start(Map.of("ROSTER_TRUSTED_PROXIES", "127.0.0.1/32,10.0.0.0/8"));
    useUpLookups(Optional.of("203.0.113.9"));
    failure(() -> call(randomKey(), Optional.of("203.0.113.9")))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED");
    // another client behind the same proxy has its own budget; so has the proxy itself
    failure(() -> call(randomKey(), Optional.of("203.0.113.10")))
        .is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    failure(() -> call(randomKey(), Optional.empty())).is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    // a spoofed left-most entry is not believed: the right-most untrusted hop is the client
    assertThat(failure(() -> call(randomKey(), Optional.of("198.51.100.1, 203.0.113.9, 10.1.2.3")))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED").errorInfo().getMetadataMap())
        .containsEntry("peer", "203.0.113.9");

    useUpLookups(Optional.of("2001:db8:1:2::1"));
    assertThat(failure(() -> call(randomKey(), Optional.of("2001:db8:1:2:ffff:ffff:ffff:ffff")))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED").errorInfo().getMetadataMap())
        .as("the same /64").containsEntry("peer", "2001:db8:1:2::/64");
    failure(() -> call(randomKey(), Optional.of("2001:db8:1:3::1")))
        .is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    assertThat(call(victim, Optional.of("203.0.113.9")).getName()).isEqualTo(org.getName());
  }

  @Test
  void untrustedPeer_forwardedForIsIgnored() throws Exception {
    start(Map.of("ROSTER_TRUSTED_PROXIES", "10.0.0.0/8"));
    useUpLookups(Optional.of("203.0.113.9"));
    // a new made-up address in the header buys no new budget: 127.0.0.1 is no trusted proxy
    assertThat(failure(() -> call(randomKey(), Optional.of("203.0.113.77")))
        .is(Code.RESOURCE_EXHAUSTED, "AUTH_FAILURES_EXCEEDED").errorInfo().getMetadataMap())
        .containsEntry("peer", "127.0.0.1");
    victimCallSucceeds();
  }

  private void useUpLookups(Optional<String> forwardedFor) {
    for (int i = 0; i < 8; i++) {
      failure(() -> call(randomKey(), forwardedFor)).is(Code.UNAUTHENTICATED, "API_KEY_INVALID");
    }
  }

  private void victimCallSucceeds() {
    assertThat(call(victim, Optional.empty()).getName()).isEqualTo(org.getName());
  }

  private Organization call(String key, Optional<String> forwardedFor) {
    AccountsServiceGrpc.AccountsServiceBlockingStub stub = server.accounts(key);
    if (forwardedFor.isPresent()) {
      Metadata headers = new Metadata();
      headers.put(ClientAddress.X_FORWARDED_FOR, forwardedFor.get());
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return stub.getOrganization(get);
  }

  private String newKey() {
    return server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(org.getName())
        .setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)).build()).getSecret();
  }

  private static String randomKey() {
    return "rk_" + UUID.randomUUID().toString().replace("-", "") + "_" + randomSecret();
  }

  private static String randomSecret() {
    return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "").substring(0, 43);
  }

  private static Duration retryDelay(Failure f) throws Exception {
    RetryInfo retry = StatusProto.fromThrowable(f.exception()).getDetailsList().stream()
        .filter(a -> a.is(RetryInfo.class)).findFirst().orElseThrow().unpack(RetryInfo.class);
    return Duration.ofSeconds(retry.getRetryDelay().getSeconds(), retry.getRetryDelay().getNanos());
  }
}
