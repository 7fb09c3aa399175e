package dev.roster.rpc;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc.AccountsServiceBlockingStub;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.DeleteOrganizationRequest;
import dev.roster.proto.accounts.v1.DeleteUserRequest;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.LookupUserRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.ReactivateUserRequest;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.UndeleteUserRequest;
import dev.roster.proto.accounts.v1.UpdateUserRequest;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestServer;
import io.grpc.Status.Code;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** User RPCs through a real gRPC channel into PostgreSQL. */
class UserRpcTest {
  private static TestServer server;
  private static AccountsServiceBlockingStub rpc;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    rpc = server.accounts();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  private static Organization org() {
    return rpc.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("org"))).build());
  }

  private static User user(Organization org) {
    return rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("ada")).setEmail(Fixtures.email("ada"))
            .setDisplayName("Ada Lovelace"))
        .build());
  }

  private static User get(String name) {
    return rpc.getUser(GetUserRequest.newBuilder().setName(name).build());
  }

  @Test
  void createUser_returnsActiveUserUnderOrganization() {
    Organization org = org();
    User user = user(org);
    assertThat(user.getName()).startsWith(org.getName() + "/users/");
    assertThat(UUID.fromString(user.getName().substring(user.getName().lastIndexOf('/') + 1)).version())
        .isEqualTo(7);
    assertThat(user.getStatus()).isEqualTo(User.Status.ACTIVE);
    assertThat(user.getDisplayName()).isEqualTo("Ada Lovelace");
    assertThat(get(user.getName())).isEqualTo(user);
  }

  @Test
  void createUser_unicodeDisplayName_roundTrips() {
    Organization org = org();
    String name = "Zoë 山田 \uD83D\uDE00".repeat(20).substring(0, 150);
    User user = rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("uni")).setEmail(Fixtures.email("uni"))
            .setDisplayName(name)).build());
    assertThat(get(user.getName()).getDisplayName()).isEqualTo(name);
  }

  @Test
  void createUser_statusInBody_isIgnored() {
    Organization org = org();
    User user = rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("sus")).setEmail(Fixtures.email("sus"))
            .setStatus(User.Status.SUSPENDED)).build());
    assertThat(user.getStatus()).isEqualTo(User.Status.ACTIVE);
  }

  @Test
  void createUser_duplicateHandleOrEmail_alreadyExists() {
    Organization org = org();
    User user = user(org);
    failure(() -> rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(user.getHandle()).setEmail(Fixtures.email("x"))).build()))
        .is(Code.ALREADY_EXISTS, "HANDLE_TAKEN");
    failure(() -> rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("y")).setEmail(user.getEmail().toUpperCase()))
        .build()))
        .is(Code.ALREADY_EXISTS, "EMAIL_TAKEN");
  }

  @Test
  void createUser_everyFieldBad_reportsAllViolations() {
    Organization org = org();
    var f = failure(() -> rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle("NO").setEmail("not-an-email")
            .setDisplayName("a\nb")).build()));
    assertThat(f.code()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(f.badFields()).containsExactly("user.handle", "user.email", "user.display_name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "plain", "a@b", "two@@example.com", "sp ace@example.com", "trailing@example.com."})
  void createUser_badEmail_invalidArgument(String email) {
    Organization org = org();
    var f = failure(() -> rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("e")).setEmail(email)).build()));
    assertThat(f.badFields()).containsExactly("user.email");
  }

  @Test
  void createUser_emailTooLong_invalidArgument() {
    Organization org = org();
    String email = "a".repeat(64) + "@" + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63) + ".com";
    failure(() -> rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("long")).setEmail(email)).build()))
        .isBadField("user.email", "INVALID_LENGTH");
  }

  @Test
  void createUser_unknownOrDeletedOrganization() {
    failure(() -> rpc.createUser(CreateUserRequest.newBuilder().setParent("organizations/" + UUID.randomUUID())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("o")).setEmail(Fixtures.email("o"))).build()))
        .is(Code.NOT_FOUND, "ORGANIZATION_NOT_FOUND");
    Organization org = org();
    rpc.deleteOrganization(DeleteOrganizationRequest.newBuilder().setName(org.getName()).build());
    failure(() -> user(org)).is(Code.FAILED_PRECONDITION, "ORGANIZATION_DELETED");
  }

  @Test
  void createUser_badParent_invalidArgument() {
    failure(() -> rpc.createUser(CreateUserRequest.newBuilder().setParent("organizations/nope")
        .setUser(User.newBuilder().setHandle(Fixtures.slug("p")).setEmail(Fixtures.email("p"))).build()))
        .isBadField("parent", "INVALID_RESOURCE_NAME");
    failure(() -> rpc.createUser(CreateUserRequest.newBuilder()
        .setUser(User.newBuilder().setHandle(Fixtures.slug("p")).setEmail(Fixtures.email("p"))).build()))
        .isBadField("parent", "FIELD_REQUIRED");
  }

  @Test
  void createUser_concurrentRetriesWithOneRequestId_createOneUser() throws Exception {
    Organization org = org();
    var request = CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("retry")).setEmail(Fixtures.email("retry")))
        .setRequestId(UUID.randomUUID().toString()).build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<CompletableFuture<User>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(CompletableFuture.supplyAsync(() -> rpc.createUser(request), pool));
    }
    Set<String> names = new HashSet<>();
    for (var call : calls) {
      names.add(call.get().getName());
    }
    pool.shutdown();
    assertThat(names).hasSize(1);
  }

  @Test
  void getUser_userOfAnotherOrganization_notFound() {
    User user = user(org());
    Organization other = org();
    String foreign = other.getName() + "/users/" + user.getName().substring(user.getName().lastIndexOf('/') + 1);
    failure(() -> get(foreign)).is(Code.NOT_FOUND, "USER_NOT_FOUND");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "users/x", "organizations/0191e6a4-7d3c-7b8e-9f2a-3c4d5e6f7a8b/users/",
      "organizations/0191e6a4-7d3c-7b8e-9f2a-3c4d5e6f7a8b/users/ada"})
  void getUser_malformedName_invalidArgument(String name) {
    var f = failure(() -> get(name));
    assertThat(f.code()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(f.badFields()).containsExactly("name");
  }

  @Test
  void updateUser_changesHandleAndEmail_lookupFollows() {
    Organization org = org();
    User user = user(org);
    String handle = Fixtures.slug("renamed");
    User updated = rpc.updateUser(UpdateUserRequest.newBuilder()
        .setUser(User.newBuilder().setName(user.getName()).setHandle(handle).setEtag(user.getEtag()))
        .build());
    assertThat(updated.getHandle()).isEqualTo(handle);
    assertThat(updated.getEmail()).isEqualTo(user.getEmail());
    assertThat(rpc.lookupUser(LookupUserRequest.newBuilder().setParent(org.getName()).setHandle(handle).build())
        .getName()).isEqualTo(user.getName());
  }

  @Test
  void updateUser_maskNamesStatus_invalidArgument() {
    User user = user(org());
    failure(() -> rpc.updateUser(UpdateUserRequest.newBuilder()
        .setUser(user.toBuilder().setStatus(User.Status.SUSPENDED))
        .setUpdateMask(FieldMask.newBuilder().addPaths("status")).build()))
        .isBadField("update_mask", "FIELD_NOT_UPDATABLE");
    assertThat(get(user.getName()).getStatus()).isEqualTo(User.Status.ACTIVE);
  }

  @Test
  void updateUser_badEmail_namesNestedField() {
    User user = user(org());
    failure(() -> rpc.updateUser(UpdateUserRequest.newBuilder()
        .setUser(User.newBuilder().setName(user.getName()).setEmail("nope")).build()))
        .isBadField("user.email", "INVALID_FORMAT");
  }

  @Test
  void updateUser_staleEtag_aborted() {
    User user = user(org());
    rpc.suspendUser(SuspendUserRequest.newBuilder().setName(user.getName()).build());
    failure(() -> rpc.updateUser(UpdateUserRequest.newBuilder()
        .setUser(User.newBuilder().setName(user.getName()).setDisplayName("x").setEtag(user.getEtag()))
        .build()))
        .is(Code.ABORTED, "ETAG_MISMATCH");
  }

  @Test
  void deleteUser_thenLifecycleRules() {
    Organization org = org();
    User user = user(org);
    User deleted = rpc.deleteUser(DeleteUserRequest.newBuilder().setName(user.getName()).build());
    assertThat(deleted.hasDeleteTime()).isTrue();
    assertThat(get(user.getName()).hasDeleteTime()).isTrue();

    failure(() -> rpc.deleteUser(DeleteUserRequest.newBuilder().setName(user.getName()).build()))
        .is(Code.FAILED_PRECONDITION, "USER_DELETED");
    failure(() -> rpc.suspendUser(SuspendUserRequest.newBuilder().setName(user.getName()).build()))
        .is(Code.FAILED_PRECONDITION, "USER_DELETED");
    failure(() -> rpc.updateUser(UpdateUserRequest.newBuilder()
        .setUser(User.newBuilder().setName(user.getName()).setDisplayName("x")).build()))
        .is(Code.FAILED_PRECONDITION, "USER_DELETED");
    failure(() -> rpc.lookupUser(LookupUserRequest.newBuilder().setParent(org.getName())
        .setHandle(user.getHandle()).build()))
        .is(Code.NOT_FOUND, "USER_NOT_FOUND");

    User restored = rpc.undeleteUser(UndeleteUserRequest.newBuilder().setName(user.getName())
        .setEtag(deleted.getEtag()).build());
    assertThat(restored.hasDeleteTime()).isFalse();
    failure(() -> rpc.undeleteUser(UndeleteUserRequest.newBuilder().setName(user.getName()).build()))
        .is(Code.FAILED_PRECONDITION, "USER_NOT_DELETED");
  }

  @Test
  void undeleteUser_handleRetaken_alreadyExists() {
    Organization org = org();
    User user = user(org);
    rpc.deleteUser(DeleteUserRequest.newBuilder().setName(user.getName()).build());
    rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(user.getHandle()).setEmail(Fixtures.email("new"))).build());
    failure(() -> rpc.undeleteUser(UndeleteUserRequest.newBuilder().setName(user.getName()).build()))
        .is(Code.ALREADY_EXISTS, "HANDLE_TAKEN");
  }

  @Test
  void suspendAndReactivate_changeStatusAndAreIdempotent() {
    User user = user(org());
    User suspended = rpc.suspendUser(SuspendUserRequest.newBuilder().setName(user.getName())
        .setEtag(user.getEtag()).build());
    assertThat(suspended.getStatus()).isEqualTo(User.Status.SUSPENDED);
    assertThat(rpc.suspendUser(SuspendUserRequest.newBuilder().setName(user.getName()).build()))
        .isEqualTo(suspended);
    User active = rpc.reactivateUser(ReactivateUserRequest.newBuilder().setName(user.getName()).build());
    assertThat(active.getStatus()).isEqualTo(User.Status.ACTIVE);
    failure(() -> rpc.reactivateUser(ReactivateUserRequest.newBuilder().setName(user.getName())
        .setEtag(suspended.getEtag()).build()))
        .is(Code.ABORTED, "ETAG_MISMATCH");
  }

  @Test
  void lookupUser_byHandleOrEmail_returnsCanonicalResource() {
    Organization org = org();
    User user = user(org);
    assertThat(rpc.lookupUser(LookupUserRequest.newBuilder().setParent(org.getName())
        .setHandle(user.getHandle()).build())).isEqualTo(user);
    assertThat(rpc.lookupUser(LookupUserRequest.newBuilder().setParent(org.getName())
        .setEmail(user.getEmail().toUpperCase()).build())).isEqualTo(user);
  }

  @Test
  void lookupUser_errors() {
    Organization org = org();
    failure(() -> rpc.lookupUser(LookupUserRequest.newBuilder().setParent(org.getName()).build()))
        .isBadField("handle", "FIELD_REQUIRED");
    failure(() -> rpc.lookupUser(LookupUserRequest.newBuilder().setParent(org.getName())
        .setEmail("bogus").build()))
        .isBadField("email", "INVALID_FORMAT");
    failure(() -> rpc.lookupUser(LookupUserRequest.newBuilder().setParent(org.getName())
        .setHandle(Fixtures.slug("nobody")).build()))
        .is(Code.NOT_FOUND, "USER_NOT_FOUND");
    User elsewhere = user(org());
    failure(() -> rpc.lookupUser(LookupUserRequest.newBuilder().setParent(org.getName())
        .setHandle(elsewhere.getHandle()).build()))
        .is(Code.NOT_FOUND, "USER_NOT_FOUND");
  }
}
