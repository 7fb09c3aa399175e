package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.FieldMask;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every SDK method and every mapped error, against a real Roster server. */
class RosterClientTest {
  private static final AtomicLong COUNTER = new AtomicLong(System.nanoTime() % 100_000);
  private static RosterTestServer server;
  private static RosterClient admin;
  private static Organization org;

  @BeforeAll
  static void start() {
    server = RosterTestServer.start(Map.of());
    admin = RosterClient.newBuilder().target(server.target()).apiKey(RosterTestServer.ADMIN_KEY).build();
    org = admin.organizations().create(Organization.newBuilder().setSlug(slug("sdk")).build());
  }

  @AfterAll
  static void stop() {
    admin.close();
    server.close();
  }

  static String slug(String prefix) {
    return prefix + "-" + Long.toString(COUNTER.incrementAndGet(), 36);
  }

  private static User newUser() {
    String handle = slug("u");
    return admin.users().create(org.getName(),
        User.newBuilder().setHandle(handle).setEmail(handle + "@example.com").build());
  }

  @Test
  void users_createGetLookupUpdate() {
    User ada = newUser();
    assertThat(UserName.parse(ada.getName()).organization().toString()).isEqualTo(org.getName());
    assertThat(admin.users().get(ada.getName())).isEqualTo(ada);
    assertThat(admin.users().lookupByHandle(org.getName(), ada.getHandle())).isEqualTo(ada);
    assertThat(admin.users().lookupByEmail(org.getName(), ada.getEmail().toUpperCase())).isEqualTo(ada);

    User renamed = admin.users().update(User.newBuilder().setName(ada.getName())
        .setDisplayName("Ada Lovelace").setEtag(ada.getEtag()).build(), null);
    assertThat(renamed.getDisplayName()).isEqualTo("Ada Lovelace");

    EtagMismatchException stale = catchThrowableOfType(EtagMismatchException.class,
        () -> admin.users().update(User.newBuilder().setName(ada.getName()).setDisplayName("x")
            .setEtag(ada.getEtag()).build(), FieldMask.newBuilder().addPaths("display_name").build()));
    assertThat(stale.currentEtag()).isEqualTo(renamed.getEtag());
    assertThat(stale.reason()).isEqualTo("ETAG_MISMATCH");
  }

  @Test
  void users_lifecycle() {
    User user = newUser();
    assertThat(admin.users().suspend(user.getName()).getStatus()).isEqualTo(User.Status.SUSPENDED);
    assertThat(admin.users().reactivate(user.getName()).getStatus()).isEqualTo(User.Status.ACTIVE);
    assertThat(admin.users().delete(user.getName()).hasDeleteTime()).isTrue();
    FailedPreconditionException deleted = catchThrowableOfType(FailedPreconditionException.class,
        () -> admin.users().suspend(user.getName()));
    assertThat(deleted.reason()).isEqualTo("USER_DELETED");
    assertThat(admin.users().undelete(user.getName()).hasDeleteTime()).isFalse();
  }

  @Test
  void users_createIsIdempotentWithGeneratedRequestId() {
    String handle = slug("once");
    var request = dev.roster.proto.accounts.v1.CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(handle).setEmail(handle + "@example.com"))
        .setRequestId(UUID.randomUUID().toString()).build();
    assertThat(admin.users().create(request)).isEqualTo(admin.users().create(request));
  }

  @Test
  void list_iterateAll_fetchesEveryPageLazily() {
    Organization crowd = admin.organizations().create(Organization.newBuilder().setSlug(slug("crowd")).build());
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 45; i++) {
      String handle = "p" + i + "-" + slug("x");
      created.add(admin.users().create(crowd.getName(),
          User.newBuilder().setHandle(handle).setEmail(handle + "@example.com").build()).getName());
    }
    PagedResponse<User> response = admin.users().list(ListUsersRequest.newBuilder()
        .setParent(crowd.getName()).setPageSize(7).build());
    assertThat(response.page()).hasSize(7);
    assertThat(response.nextPageToken()).isNotEmpty();

    List<String> all = new ArrayList<>();
    response.iterateAll().forEach(u -> all.add(u.getName()));
    assertThat(all).containsExactlyElementsOf(created);

    int pages = 0;
    for (PagedResponse.Page<User> page : response.iteratePages()) {
      pages++;
      assertThat(page.hasNextPage()).isEqualTo(pages < 7);
    }
    assertThat(pages).isEqualTo(7);

    assertThat(admin.users().list(ListUsersRequest.newBuilder().setParent(crowd.getName())
        .setFilter("handle = \"p1*\"").setPageSize(2).build()).stream()
        .map(User::getHandle).collect(Collectors.toList()))
        .allMatch(h -> h.startsWith("p1")).hasSize(11);
    assertThat(admin.users().list(crowd.getName()).stream().limit(3).count()).isEqualTo(3);
  }

  @Test
  void batchGet_keepsOrder() {
    User a = newUser();
    User b = newUser();
    assertThat(admin.users().batchGet(org.getName(), List.of(b.getName(), a.getName())))
        .extracting(User::getName).containsExactly(b.getName(), a.getName());
  }

  @Test
  void async_variantsCompleteAndFailTyped() {
    User user = newUser();
    assertThat(admin.users().getAsync(GetUserRequest.newBuilder().setName(user.getName()).build()).join())
        .isEqualTo(user);
    String missing = UserName.of(OrganizationName.parse(org.getName()).id(), UUID.randomUUID()).toString();
    assertThatThrownBy(() -> admin.users().getAsync(GetUserRequest.newBuilder().setName(missing).build()).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(NotFoundException.class);
  }

  @Test
  void organizations_andApiKeys() {
    Organization created = admin.organizations().create(Organization.newBuilder().setSlug(slug("o")).build());
    assertThat(admin.organizations().get(created.getName())).isEqualTo(created);
    assertThat(admin.organizations().update(Organization.newBuilder().setName(created.getName())
        .setDisplayName("Renamed").build(), null).getDisplayName()).isEqualTo("Renamed");
    var key = admin.apiKeys().create(created.getName(), ApiKey.newBuilder()
        .addScopes(ApiKey.Scope.ACCOUNTS_READ).build());
    assertThat(admin.apiKeys().get(key.getApiKey().getName()).getName()).isEqualTo(key.getApiKey().getName());
    assertThat(admin.apiKeys().list(created.getName()).stream().map(ApiKey::getName))
        .contains(key.getApiKey().getName());
    assertThat(admin.apiKeys().revoke(key.getApiKey().getName()).hasRevokeTime()).isTrue();
    assertThat(admin.organizations().delete(created.getName()).hasDeleteTime()).isTrue();
    assertThat(admin.organizations().undelete(created.getName()).hasDeleteTime()).isFalse();
    assertThat(admin.organizations().list().stream().map(Organization::getName)).contains(created.getName());
  }

  @Test
  void errors_areTypedWithReasonAndDetails() {
    User user = newUser();
    AlreadyExistsException taken = catchThrowableOfType(AlreadyExistsException.class,
        () -> admin.users().create(org.getName(), User.newBuilder().setHandle(user.getHandle())
            .setEmail(slug("e") + "@example.com").build()));
    assertThat(taken.reason()).isEqualTo("HANDLE_TAKEN");
    assertThat(taken.metadata()).containsEntry("field", "handle");

    InvalidArgumentException invalid = catchThrowableOfType(InvalidArgumentException.class,
        () -> admin.users().create(org.getName(), User.newBuilder().setHandle("Bad!").setEmail("nope").build()));
    assertThat(invalid.fieldViolations()).extracting(InvalidArgumentException.FieldViolation::field)
        .containsExactly("user.handle", "user.email");

    NotFoundException missing = catchThrowableOfType(NotFoundException.class,
        () -> admin.users().get(OrganizationName.parse(org.getName()).user(UUID.randomUUID()).toString()));
    assertThat(missing.reason()).isEqualTo("USER_NOT_FOUND");

    try (RosterClient stranger = RosterClient.newBuilder().target(server.target())
        .apiKey("rk_" + "0".repeat(32) + "_" + "A".repeat(43)).build()) {
      UnauthenticatedException unauthenticated = catchThrowableOfType(UnauthenticatedException.class,
          () -> stranger.users().get(user.getName()));
      assertThat(unauthenticated.reason()).isEqualTo("API_KEY_INVALID");
    }

    Organization other = admin.organizations().create(Organization.newBuilder().setSlug(slug("other")).build());
    String otherKey = admin.apiKeys().create(other.getName(), ApiKey.newBuilder()
        .addScopes(ApiKey.Scope.ACCOUNTS_READ).setRateLimitPerSecond(1).setRateLimitBurst(1).build()).getSecret();
    try (RosterClient tenant = RosterClient.newBuilder().target(server.target()).apiKey(otherKey).build()) {
      PermissionDeniedException denied = catchThrowableOfType(PermissionDeniedException.class,
          () -> tenant.users().get(user.getName()));
      assertThat(denied.reason()).isEqualTo("TENANT_FORBIDDEN");
      RateLimitedException limited = catchThrowableOfType(RateLimitedException.class,
          () -> tenant.organizations().get(other.getName()));
      assertThat(limited.retryDelay()).isPositive();
      assertThat(limited.reason()).isEqualTo("RATE_LIMIT_EXCEEDED");
    }
  }

  @Test
  void errors_deadlineAndUnavailable() {
    // the view's deadline bounds the call, retries included: a hopeless one ends at once
    assertThatThrownBy(() -> admin.organizations().withDeadline(Duration.ofNanos(1))
        .get(org.getName())).isInstanceOf(DeadlineExceededException.class);
    try (RosterClient nowhere = RosterClient.newBuilder().target("127.0.0.1:1").disableRetries()
        .apiKey(RosterTestServer.ADMIN_KEY).build()) {
      assertThatThrownBy(() -> nowhere.organizations().get(org.getName()))
          .isInstanceOf(UnavailableException.class);
    }
  }

  @Test
  void resourceNames_buildAndParse() {
    UUID o = UUID.randomUUID();
    UUID u = UUID.randomUUID();
    assertThat(UserName.parse("organizations/" + o + "/users/" + u)).isEqualTo(UserName.of(o, u));
    assertThat(OrganizationName.of(o).user(u).toString()).isEqualTo("organizations/" + o + "/users/" + u);
    assertThatThrownBy(() -> UserName.parse("organizations/" + o)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> OrganizationName.parse("organizations/../x")).isInstanceOf(IllegalArgumentException.class);
  }
}
