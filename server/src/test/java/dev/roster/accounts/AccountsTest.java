package dev.roster.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestDatabase;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Accounts context against a real PostgreSQL. */
class AccountsTest {
  private final Accounts accounts = new Accounts(TestDatabase.database().jdbi(), Clock.systemUTC());

  private Organization newOrg() {
    return accounts.createOrganization(
        new NewOrganization(Fixtures.slug("org"), "Org"), Optional.empty());
  }

  private User newUser(Organization org) {
    return accounts.createUser(org.id(),
        new NewUser(Fixtures.slug("user"), Fixtures.email("user"), "A User"), Optional.empty());
  }

  @Test
  void createOrganization_validInput_storesItWithUuidV7() {
    String slug = Fixtures.slug("acme");
    Organization org = accounts.createOrganization(new NewOrganization(slug, "Acme"), Optional.empty());

    assertThat(org.id().version()).isEqualTo(7);
    assertThat(org.slug()).isEqualTo(slug);
    assertThat(org.createTime()).isEqualTo(org.updateTime());
    assertThat(org.deleteTime()).isEmpty();
    assertThat(accounts.getOrganization(org.id())).isEqualTo(org);
  }

  @Test
  void createOrganization_idsIncreaseWithTime() {
    Organization first = newOrg();
    Organization second = newOrg();
    assertThat(second.id().toString()).isGreaterThan(first.id().toString());
  }

  @Test
  void createOrganization_takenSlug_throwsSlugTaken() {
    Organization org = newOrg();
    assertThatThrownBy(() -> accounts.createOrganization(
        new NewOrganization(org.slug(), ""), Optional.empty()))
        .isInstanceOf(SlugTakenException.class);
  }

  @Test
  void createOrganization_badFields_reportsEveryViolation() {
    assertThatThrownBy(() -> accounts.createOrganization(
        new NewOrganization("-Bad", "x\u0000y"), Optional.empty()))
        .isInstanceOfSatisfying(InvalidArgumentException.class, e ->
            assertThat(e.violations()).extracting(v -> v.field())
                .containsExactly("slug", "display_name"));
  }

  @Test
  void createOrganization_sameRequestIdRacing_createsOneOrganization() throws Exception {
    UUID requestId = UUID.randomUUID();
    String slug = Fixtures.slug("race");
    List<Organization> results = race(8,
        () -> accounts.createOrganization(new NewOrganization(slug, ""), Optional.of(requestId)));

    assertThat(results.stream().map(Organization::id).collect(Collectors.toSet())).hasSize(1);
  }

  @Test
  void createUser_sameRequestIdRacing_createsOneUser() throws Exception {
    Organization org = newOrg();
    UUID requestId = UUID.randomUUID();
    NewUser user = new NewUser(Fixtures.slug("racer"), Fixtures.email("racer"), "");
    List<User> results = race(8, () -> accounts.createUser(org.id(), user, Optional.of(requestId)));

    Set<UUID> ids = results.stream().map(User::id).collect(Collectors.toSet());
    assertThat(ids).hasSize(1);
    assertThat(accounts.lookupUserByHandle(org.id(), user.handle(), Set.of()).id()).isIn(ids);
  }

  @Test
  void createUser_differentRequestIdsRacingForOneHandle_oneWinsOthersGetHandleTaken() throws Exception {
    Organization org = newOrg();
    String handle = Fixtures.slug("contested");
    ExecutorService pool = Executors.newFixedThreadPool(6);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<User>> futures = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String email = Fixtures.email("contender");
      futures.add(pool.submit(() -> {
        start.await();
        return accounts.createUser(org.id(), new NewUser(handle, email, ""), Optional.of(UUID.randomUUID()));
      }));
    }
    start.countDown();
    int won = 0;
    int taken = 0;
    for (Future<User> f : futures) {
      try {
        f.get();
        won++;
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(HandleTakenException.class);
        taken++;
      }
    }
    pool.shutdown();
    assertThat(won).isEqualTo(1);
    assertThat(taken).isEqualTo(5);
  }

  @Test
  void createUser_emailDiffersOnlyInCase_throwsEmailTaken() {
    Organization org = newOrg();
    String email = Fixtures.email("case");
    accounts.createUser(org.id(), new NewUser(Fixtures.slug("a"), email, ""), Optional.empty());
    assertThatThrownBy(() -> accounts.createUser(org.id(),
        new NewUser(Fixtures.slug("b"), email.toUpperCase(), ""), Optional.empty()))
        .isInstanceOf(EmailTakenException.class);
  }

  @Test
  void createUser_sameHandleInAnotherOrganization_isAllowed() {
    Organization a = newOrg();
    Organization b = newOrg();
    String handle = Fixtures.slug("same");
    accounts.createUser(a.id(), new NewUser(handle, Fixtures.email("x"), ""), Optional.empty());
    User inB = accounts.createUser(b.id(), new NewUser(handle, Fixtures.email("y"), ""), Optional.empty());
    assertThat(inB.organizationId()).isEqualTo(b.id());
  }

  @Test
  void createUser_deletedOrganization_throwsOrganizationDeleted() {
    Organization org = newOrg();
    accounts.deleteOrganization(org.id(), Optional.empty(), false);
    assertThatThrownBy(() -> newUser(org)).isInstanceOf(OrganizationDeletedException.class);
  }

  @Test
  void getUser_otherOrganizationsId_throwsNotFound() {
    User user = newUser(newOrg());
    Organization other = newOrg();
    assertThatThrownBy(() -> accounts.getUser(other.id(), user.id()))
        .isInstanceOf(UserNotFoundException.class);
  }

  @Test
  void updateUser_staleEtag_throwsEtagMismatchAndChangesNothing() {
    User user = newUser(newOrg());
    User renamed = accounts.updateUser(user.organizationId(), user.id(),
        new UserChanges(Optional.empty(), Optional.empty(), Optional.of("New")), Optional.of(user.etag()));
    assertThat(renamed.etag()).isNotEqualTo(user.etag());

    assertThatThrownBy(() -> accounts.updateUser(user.organizationId(), user.id(),
        new UserChanges(Optional.empty(), Optional.empty(), Optional.of("Stale")), Optional.of(user.etag())))
        .isInstanceOf(EtagMismatchException.class);
    assertThat(accounts.getUser(user.organizationId(), user.id()).displayName()).isEqualTo("New");
  }

  @Test
  void updateUser_noRealChange_keepsEtagAndUpdateTime() {
    User user = newUser(newOrg());
    User same = accounts.updateUser(user.organizationId(), user.id(),
        new UserChanges(Optional.of(user.handle()), Optional.empty(), Optional.empty()), Optional.empty());
    assertThat(same).isEqualTo(user);
  }

  @Test
  void deleteUser_freesHandleAndEmail_andUndeleteFailsWhenRetaken() {
    Organization org = newOrg();
    User user = newUser(org);
    User deleted = accounts.deleteUser(org.id(), user.id(), Optional.empty());
    assertThat(deleted.deleteTime()).isPresent();

    accounts.createUser(org.id(), new NewUser(user.handle(), Fixtures.email("new"), ""), Optional.empty());
    assertThatThrownBy(() -> accounts.undeleteUser(org.id(), user.id(), Optional.empty()))
        .isInstanceOf(HandleTakenException.class);
    assertThat(accounts.getUser(org.id(), user.id()).isDeleted()).isTrue();
  }

  @Test
  void suspendUser_deletedUser_throwsUserDeleted() {
    User user = newUser(newOrg());
    accounts.deleteUser(user.organizationId(), user.id(), Optional.empty());
    assertThatThrownBy(() -> accounts.suspendUser(user.organizationId(), user.id(), Optional.empty()))
        .isInstanceOf(UserDeletedException.class);
  }

  @Test
  void suspendAndReactivate_areIdempotent() {
    User user = newUser(newOrg());
    User suspended = accounts.suspendUser(user.organizationId(), user.id(), Optional.empty());
    assertThat(suspended.status()).isEqualTo(UserStatus.SUSPENDED);
    assertThat(accounts.suspendUser(user.organizationId(), user.id(), Optional.empty()))
        .isEqualTo(suspended);
    User active = accounts.reactivateUser(user.organizationId(), user.id(), Optional.of(suspended.etag()));
    assertThat(active.status()).isEqualTo(UserStatus.ACTIVE);
  }

  @Test
  void deleteOrganization_withLiveUsers_needsForce_whichDeletesUsers() {
    Organization org = newOrg();
    User user = newUser(org);
    assertThatThrownBy(() -> accounts.deleteOrganization(org.id(), Optional.empty(), false))
        .isInstanceOf(OrganizationHasUsersException.class);

    Organization deleted = accounts.deleteOrganization(org.id(), Optional.empty(), true);
    assertThat(deleted.isDeleted()).isTrue();
    assertThat(accounts.getUser(org.id(), user.id()).isDeleted()).isTrue();
  }

  @Test
  void undeleteUser_organizationDeleted_throwsOrganizationDeleted() {
    Organization org = newOrg();
    User user = newUser(org);
    accounts.deleteOrganization(org.id(), Optional.empty(), true);
    assertThatThrownBy(() -> accounts.undeleteUser(org.id(), user.id(), Optional.empty()))
        .isInstanceOf(OrganizationDeletedException.class);
    assertThat(accounts.getUser(org.id(), user.id()).isDeleted()).isTrue();
  }

  @Test
  void undeleteOrganization_slugRetaken_throwsSlugTaken() {
    Organization org = newOrg();
    accounts.deleteOrganization(org.id(), Optional.empty(), false);
    accounts.createOrganization(new NewOrganization(org.slug(), ""), Optional.empty());
    assertThatThrownBy(() -> accounts.undeleteOrganization(org.id(), Optional.empty()))
        .isInstanceOf(SlugTakenException.class);
  }

  @Test
  void lookupUserByEmail_ignoresCase_andSkipsDeletedUsers() {
    Organization org = newOrg();
    User user = newUser(org);
    assertThat(accounts.lookupUserByEmail(org.id(), user.email().toUpperCase(), Set.of()).id()).isEqualTo(user.id());
    accounts.deleteUser(org.id(), user.id(), Optional.empty());
    assertThatThrownBy(() -> accounts.lookupUserByEmail(org.id(), user.email(), Set.of()))
        .isInstanceOf(UserNotFoundByKeyException.class);
  }

  private static <T> List<T> race(int callers, Callable<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      futures.add(pool.submit(() -> {
        start.await();
        return call.call();
      }));
    }
    start.countDown();
    List<T> results = new ArrayList<>();
    for (Future<T> f : futures) {
      results.add(f.get());
    }
    pool.shutdown();
    return results;
  }
}
