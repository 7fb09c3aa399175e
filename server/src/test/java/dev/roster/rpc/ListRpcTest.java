package dev.roster.rpc;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc.AccountsServiceBlockingStub;
import dev.roster.proto.accounts.v1.BatchGetUsersRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.DeleteUserRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.ListOrganizationsRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.ListUsersResponse;
import dev.roster.proto.accounts.v1.LookupUserRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Fixtures;
import dev.roster.testing.MutableClock;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.Status.Code;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ListUsers, ListOrganizations, BatchGetUsers and read masks, through gRPC into PostgreSQL. */
class ListRpcTest {
  private static TestServer server;
  private static AccountsServiceBlockingStub rpc;
  /** An organization with 30 users of varied handles, emails, names and statuses. */
  private static Organization org;
  private static List<User> users;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    rpc = server.accounts();
    org = newOrg();
    users = new ArrayList<>();
    String[] names = {"Zed", "amy", "Bob", "bob", "Émile", "Chloé", "dan", "Eve", "fay", "Gus"};
    for (int i = 0; i < 30; i++) {
      users.add(createUser(org, "u" + (char) ('a' + (i * 7) % 26) + "-" + i,
          (i % 3 == 0 ? "X" : "y") + i + "@Example.com", names[i % names.length]));
    }
    for (int i = 0; i < 30; i += 4) {
      users.set(i, rpc.suspendUser(SuspendUserRequest.newBuilder().setName(users.get(i).getName()).build()));
    }
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  private static Organization newOrg() {
    return rpc.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("list"))).build());
  }

  private static User createUser(Organization o, String handle, String email, String displayName) {
    return rpc.createUser(CreateUserRequest.newBuilder().setParent(o.getName())
        .setUser(User.newBuilder().setHandle(handle).setEmail(email).setDisplayName(displayName))
        .build());
  }

  /** Walks every page and returns the names in order, checking no token is handed out at the end. */
  private static List<String> walk(UnaryOperator<ListUsersRequest.Builder> request, int pageSize) {
    List<String> names = new ArrayList<>();
    String token = "";
    do {
      ListUsersResponse page = rpc.listUsers(request.apply(ListUsersRequest.newBuilder()
          .setParent(org.getName()).setPageSize(pageSize).setPageToken(token)).build());
      assertThat(page.getUsersCount()).isLessThanOrEqualTo(pageSize);
      page.getUsersList().forEach(u -> names.add(u.getName()));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return names;
  }

  private static List<String> namesSorted(Comparator<User> order) {
    return users.stream().sorted(order.thenComparing(User::getName)).map(User::getName).toList();
  }

  @Test
  void listUsers_defaultOrder_isCreationOrderAcrossPages() {
    assertThat(walk(b -> b, 7)).containsExactlyElementsOf(users.stream().map(User::getName).toList());
  }

  @Test
  void listUsers_everyOrderBy_walksEveryUserOnceInOrder() {
    Comparator<User> byHandle = Comparator.comparing(User::getHandle);
    Comparator<User> byEmail = Comparator.comparing(u -> u.getEmail().toLowerCase());
    Comparator<User> byCreate = Comparator.comparing(u -> u.getCreateTime().getSeconds() * 1_000_000_000L
        + u.getCreateTime().getNanos());
    Comparator<User> byUpdate = Comparator.comparing(u -> u.getUpdateTime().getSeconds() * 1_000_000_000L
        + u.getUpdateTime().getNanos());
    assertThat(walk(b -> b.setOrderBy("handle"), 4)).containsExactlyElementsOf(namesSorted(byHandle));
    assertThat(walk(b -> b.setOrderBy("handle desc"), 4))
        .containsExactlyElementsOf(namesSorted(byHandle.reversed()));
    assertThat(walk(b -> b.setOrderBy("email desc"), 5))
        .containsExactlyElementsOf(namesSorted(byEmail.reversed()));
    assertThat(walk(b -> b.setOrderBy("create_time desc"), 6))
        .containsExactlyElementsOf(users.stream().sorted(byCreate.reversed()).map(User::getName).toList());
    assertThat(walk(b -> b.setOrderBy("update_time"), 6)).containsExactlyElementsOf(namesSorted(byUpdate));
    // display_name has many ties: the id breaks them, also with mixed directions.
    List<String> byNameThenCreateDesc = walk(b -> b.setOrderBy("display_name, create_time desc"), 3);
    assertThat(byNameThenCreateDesc).hasSize(30).doesNotHaveDuplicates();
    List<String> byNameDesc = walk(b -> b.setOrderBy("display_name desc"), 4);
    assertThat(byNameDesc).hasSize(30).doesNotHaveDuplicates();
    assertThat(new HashSet<>(byNameDesc)).isEqualTo(new HashSet<>(byNameThenCreateDesc));
  }

  @ParameterizedTest
  @ValueSource(strings = {"status", "name", "handle sideways", "handle,handle", "handle desc desc", ",", "id"})
  void listUsers_badOrderBy_invalidArgument(String orderBy) {
    var f = failure(() -> rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
        .setOrderBy(orderBy).build()));
    assertThat(f.code()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(f.badFields()).containsExactly("order_by");
  }

  @Test
  void listUsers_filters_matchTheSameUsersAsJava() {
    assertThat(walk(b -> b.setFilter("status = SUSPENDED"), 50)).containsExactlyElementsOf(
        users.stream().filter(u -> u.getStatus() == User.Status.SUSPENDED).map(User::getName).toList());
    assertThat(walk(b -> b.setFilter("handle = \"ua*\" OR handle = \"ub*\""), 50)).containsExactlyElementsOf(
        users.stream().filter(u -> u.getHandle().startsWith("ua") || u.getHandle().startsWith("ub"))
            .map(User::getName).toList());
    assertThat(walk(b -> b.setFilter("email = \"x0@example.COM\""), 50))
        .containsExactly(users.get(0).getName());
    assertThat(walk(b -> b.setFilter("NOT status = ACTIVE AND display_name = \"Zed\""), 50))
        .containsExactlyElementsOf(users.stream()
            .filter(u -> u.getStatus() == User.Status.SUSPENDED && u.getDisplayName().equals("Zed"))
            .map(User::getName).toList());
    String middle = com.google.protobuf.util.Timestamps.toString(users.get(15).getCreateTime());
    assertThat(walk(b -> b.setFilter("create_time >= \"" + middle + "\""), 4))
        .containsExactlyElementsOf(users.subList(15, 30).stream().map(User::getName).toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"nope = 1", "handle =", "(handle = \"a\"", "status = ASLEEP",
      "create_time > \"yesterday\"", "handle = \"a\" AND AND"})
  void listUsers_badFilter_invalidArgumentNamingFilter(String filter) {
    var f = failure(() -> rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
        .setFilter(filter).build()));
    assertThat(f.code()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(f.badFields()).containsExactly("filter");
  }

  @Test
  void listUsers_pageSize_defaultsTo50_capsAt1000_refusesNegative() {
    Organization big = newOrg();
    TestDatabase.database().jdbi().useHandle(h -> h.execute("""
        insert into users (organization_id, id, handle, email, create_time, update_time)
        select ?, gen_random_uuid(), 'bulk-' || i, 'bulk' || i || '@example.com',
               now() + i * interval '1 microsecond', now()
          from generate_series(1, 1005) i""", UUID.fromString(big.getName().substring(14))));
    ListUsersResponse byDefault = rpc.listUsers(ListUsersRequest.newBuilder().setParent(big.getName()).build());
    assertThat(byDefault.getUsersCount()).isEqualTo(50);
    ListUsersResponse capped = rpc.listUsers(ListUsersRequest.newBuilder().setParent(big.getName())
        .setPageSize(5000).build());
    assertThat(capped.getUsersCount()).isEqualTo(1000);
    ListUsersResponse rest = rpc.listUsers(ListUsersRequest.newBuilder().setParent(big.getName())
        .setPageSize(5000).setPageToken(capped.getNextPageToken()).build());
    assertThat(rest.getUsersCount()).isEqualTo(5);
    assertThat(rest.getNextPageToken()).isEmpty();

    failure(() -> rpc.listUsers(ListUsersRequest.newBuilder().setParent(big.getName()).setPageSize(-1).build()))
        .isBadField("page_size", "INVALID_PAGE_SIZE");
  }

  @Test
  void listUsers_exactlyFullLastPage_hasNoToken() {
    ListUsersResponse all = rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
        .setPageSize(30).build());
    assertThat(all.getUsersCount()).isEqualTo(30);
    assertThat(all.getNextPageToken()).isEmpty();
  }

  @Test
  void listUsers_tokenReusedWithOtherParameters_mismatch() {
    String token = rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
        .setPageSize(2).setFilter("status = ACTIVE").build()).getNextPageToken();
    Organization other = newOrg();
    for (ListUsersRequest.Builder changed : List.of(
        ListUsersRequest.newBuilder().setParent(org.getName()).setFilter("status = SUSPENDED"),
        ListUsersRequest.newBuilder().setParent(org.getName()),
        ListUsersRequest.newBuilder().setParent(org.getName()).setFilter("status = ACTIVE").setOrderBy("handle"),
        ListUsersRequest.newBuilder().setParent(org.getName()).setFilter("status = ACTIVE").setShowDeleted(true),
        ListUsersRequest.newBuilder().setParent(other.getName()).setFilter("status = ACTIVE"))) {
      failure(() -> rpc.listUsers(changed.setPageSize(2).setPageToken(token).build()))
          .isBadField("page_token", "PAGE_TOKEN_MISMATCH");
    }
    // page size and read mask may change between pages
    assertThat(rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName()).setFilter("status = ACTIVE")
        .setPageSize(3).setReadMask(FieldMask.newBuilder().addPaths("handle")).setPageToken(token).build())
        .getUsersCount()).isEqualTo(3);
  }

  @Test
  void listUsers_tamperedToken_invalid() {
    String token = rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName()).setPageSize(2).build())
        .getNextPageToken();
    String tampered = token.substring(0, 10) + (token.charAt(10) == 'x' ? 'y' : 'x') + token.substring(11);
    failure(() -> rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
        .setPageToken(tampered).build()))
        .isBadField("page_token", "INVALID_PAGE_TOKEN");
    failure(() -> rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
        .setPageToken("not a token").build()))
        .isBadField("page_token", "INVALID_PAGE_TOKEN");
  }

  @Test
  void listUsers_expiredToken_expired() throws Exception {
    MutableClock clock = MutableClock.startingNow();
    try (TestServer shortLived = TestServer.builder().env(java.util.Map.of("ROSTER_PAGE_TOKEN_TTL", "1m"))
        .clock(clock).inProcess().start()) {
      var stub = shortLived.accounts();
      String token = stub.listUsers(ListUsersRequest.newBuilder().setParent(org.getName()).setPageSize(2).build())
          .getNextPageToken();
      assertThat(stub.listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
          .setPageSize(2).setPageToken(token).build()).getUsersCount()).as("fresh token").isEqualTo(2);
      clock.advance(java.time.Duration.ofMinutes(2));
      failure(() -> stub.listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
          .setPageSize(2).setPageToken(token).build()))
          .isBadField("page_token", "PAGE_TOKEN_EXPIRED");
    }
  }

  @Test
  void listUsers_tokenFromAnotherReplica_isAccepted() throws Exception {
    String token = rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName()).setPageSize(2).build())
        .getNextPageToken();
    try (TestServer replica = TestServer.start()) {
      assertThat(replica.accounts().listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
          .setPageSize(2).setPageToken(token).build()).getUsersList())
          .extracting(User::getName)
          .containsExactly(users.get(2).getName(), users.get(3).getName());
    }
  }

  @Test
  void listUsers_showDeleted_andUnknownParent() {
    Organization o = newOrg();
    User kept = createUser(o, Fixtures.slug("kept"), Fixtures.email("kept"), "");
    User gone = createUser(o, Fixtures.slug("gone"), Fixtures.email("gone"), "");
    rpc.deleteUser(DeleteUserRequest.newBuilder().setName(gone.getName()).build());
    assertThat(rpc.listUsers(ListUsersRequest.newBuilder().setParent(o.getName()).build()).getUsersList())
        .extracting(User::getName).containsExactly(kept.getName());
    assertThat(rpc.listUsers(ListUsersRequest.newBuilder().setParent(o.getName()).setShowDeleted(true).build())
        .getUsersList()).extracting(User::getName).containsExactly(kept.getName(), gone.getName());
    failure(() -> rpc.listUsers(ListUsersRequest.newBuilder().setParent("organizations/" + UUID.randomUUID()).build()))
        .is(Code.NOT_FOUND, "ORGANIZATION_NOT_FOUND");
  }

  /**
   * The AIP-158 promise under concurrent writes: walking the pages while rows are inserted and
   * deleted never returns a row twice, and never skips a row that existed, unchanged, for the
   * whole walk.
   */
  @ParameterizedTest
  @ValueSource(strings = {"", "handle", "handle desc", "email, create_time desc"})
  void listUsers_insertsAndDeletesWhilePaging_noDuplicatesNoSkips(String orderBy) {
    Organization o = newOrg();
    Random random = new Random(orderBy.hashCode());
    List<User> live = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      live.add(createUser(o, "p" + Integer.toString(random.nextInt(1_000_000), 36) + "-" + i,
          Fixtures.email("p"), ""));
    }
    Set<String> stable = new LinkedHashSet<>(live.stream().map(User::getName).toList());
    List<String> seen = new ArrayList<>();
    String token = "";
    do {
      ListUsersResponse page = rpc.listUsers(ListUsersRequest.newBuilder().setParent(o.getName())
          .setOrderBy(orderBy).setPageSize(7).setPageToken(token).build());
      page.getUsersList().forEach(u -> seen.add(u.getName()));
      token = page.getNextPageToken();
      for (int k = 0; k < 3; k++) {
        live.add(createUser(o, "p" + Integer.toString(random.nextInt(1_000_000), 36) + "-n" + seen.size() + k,
            Fixtures.email("n"), ""));
      }
      for (int k = 0; k < 2 && live.size() > 1; k++) {
        User victim = live.remove(random.nextInt(live.size()));
        rpc.deleteUser(DeleteUserRequest.newBuilder().setName(victim.getName()).build());
        stable.remove(victim.getName());
      }
    } while (!token.isEmpty());

    assertThat(seen).doesNotHaveDuplicates();
    assertThat(seen).containsAll(stable);
  }

  @Test
  void listOrganizations_filterOrderAndPaging() {
    String prefix = Fixtures.slug("zz-orgs");
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(rpc.createOrganization(CreateOrganizationRequest.newBuilder()
          .setOrganization(Organization.newBuilder().setSlug(prefix + "-" + (4 - i))).build()).getName());
    }
    List<String> walked = new ArrayList<>();
    String token = "";
    do {
      var page = rpc.listOrganizations(ListOrganizationsRequest.newBuilder()
          .setFilter("slug = \"" + prefix + "-*\"").setOrderBy("slug").setPageSize(2).setPageToken(token).build());
      page.getOrganizationsList().forEach(o -> walked.add(o.getName()));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    java.util.Collections.reverse(created);
    assertThat(walked).containsExactlyElementsOf(created);
    failure(() -> rpc.listOrganizations(ListOrganizationsRequest.newBuilder().setFilter("handle = \"x\"").build()))
        .isBadField("filter", "UNKNOWN_FILTER_FIELD");
  }

  @Test
  void readMask_returnsOnlyAskedFieldsPlusName() {
    User user = users.get(1);
    User partial = rpc.getUser(GetUserRequest.newBuilder().setName(user.getName())
        .setReadMask(FieldMask.newBuilder().addPaths("email")).build());
    assertThat(partial).isEqualTo(User.newBuilder().setName(user.getName()).setEmail(user.getEmail()).build());

    ListUsersResponse page = rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName()).setPageSize(3)
        .setReadMask(FieldMask.newBuilder().addPaths("name").addPaths("handle")).build());
    assertThat(page.getUsersList()).allSatisfy(u -> {
      assertThat(u.getHandle()).isNotEmpty();
      assertThat(u.getEmail()).isEmpty();
      assertThat(u.hasCreateTime()).isFalse();
    });
    assertThat(rpc.lookupUser(LookupUserRequest.newBuilder().setParent(org.getName()).setHandle(user.getHandle())
        .setReadMask(FieldMask.newBuilder().addPaths("status")).build()))
        .isEqualTo(User.newBuilder().setName(user.getName()).setStatus(user.getStatus()).build());
    assertThat(rpc.getOrganization(GetOrganizationRequest.newBuilder().setName(org.getName())
        .setReadMask(FieldMask.newBuilder().addPaths("slug")).build()))
        .isEqualTo(Organization.newBuilder().setName(org.getName()).setSlug(org.getSlug()).build());
    assertThat(rpc.getUser(GetUserRequest.newBuilder().setName(user.getName())
        .setReadMask(FieldMask.newBuilder().addPaths("*")).build())).isEqualTo(user);

    failure(() -> rpc.getUser(GetUserRequest.newBuilder().setName(user.getName())
        .setReadMask(FieldMask.newBuilder().addPaths("password")).build()))
        .isBadField("read_mask", "UNKNOWN_FIELD");
  }

  @Test
  void batchGetUsers_keepsRequestOrderAndRepeats() {
    List<String> names = List.of(users.get(5).getName(), users.get(1).getName(), users.get(5).getName());
    var response = rpc.batchGetUsers(BatchGetUsersRequest.newBuilder().setParent(org.getName())
        .addAllNames(names).setReadMask(FieldMask.newBuilder().addPaths("handle")).build());
    assertThat(response.getUsersList()).extracting(User::getName).containsExactlyElementsOf(names);
    assertThat(response.getUsers(1).getHandle()).isEqualTo(users.get(1).getHandle());
    assertThat(response.getUsers(1).getEmail()).isEmpty();
  }

  @Test
  void batchGetUsers_anyMissing_failsWholeCallNamingIt() {
    String missing = org.getName() + "/users/" + UUID.randomUUID();
    var f = failure(() -> rpc.batchGetUsers(BatchGetUsersRequest.newBuilder().setParent(org.getName())
        .addNames(users.get(0).getName()).addNames(missing).build()))
        .is(Code.NOT_FOUND, "USER_NOT_FOUND");
    assertThat(f.message()).contains(missing.substring(missing.lastIndexOf('/') + 1));
  }

  @Test
  void batchGetUsers_badRequests() {
    failure(() -> rpc.batchGetUsers(BatchGetUsersRequest.newBuilder().setParent(org.getName()).build()))
        .isBadField("names", "FIELD_REQUIRED");
    var tooMany = BatchGetUsersRequest.newBuilder().setParent(org.getName());
    for (int i = 0; i < 1001; i++) {
      tooMany.addNames(users.get(0).getName());
    }
    failure(() -> rpc.batchGetUsers(tooMany.build())).isBadField("names", "TOO_MANY_NAMES");
    Organization other = newOrg();
    failure(() -> rpc.batchGetUsers(BatchGetUsersRequest.newBuilder().setParent(other.getName())
        .addNames(users.get(0).getName()).build()))
        .isBadField("names[0]", "PARENT_MISMATCH");
    failure(() -> rpc.batchGetUsers(BatchGetUsersRequest.newBuilder().setParent(org.getName())
        .addNames(users.get(0).getName()).addNames("bogus").build()))
        .isBadField("names[1]", "INVALID_RESOURCE_NAME");
  }
}
