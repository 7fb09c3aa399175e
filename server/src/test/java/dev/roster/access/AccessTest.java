package dev.roster.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.accounts.Accounts;
import dev.roster.accounts.NewOrganization;
import dev.roster.accounts.Organization;
import dev.roster.accounts.OrganizationDeletedException;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.query.ListQuery;
import dev.roster.platform.query.Position;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestDatabase;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** The Access context against a real PostgreSQL. */
class AccessTest {
  private final Jdbi jdbi = TestDatabase.database().jdbi();
  private final Accounts accounts = new Accounts(jdbi, Clock.systemUTC());
  private final Access access =
      new Access(jdbi, accounts, Clock.systemUTC(), Duration.ofSeconds(5));

  private Organization newOrg() {
    return accounts.createOrganization(
        new NewOrganization(Fixtures.slug("org"), "Org"), Optional.empty());
  }

  private static NewApiKey readKey(UUID organizationId) {
    return new NewApiKey(organizationId, "reader", Set.of(Scope.ACCOUNTS_READ), Optional.empty(),
        Optional.empty());
  }

  @Test
  void claim_tellsKnownWrongUnknownAndMalformed_fromMemory() throws Exception {
    Organization org = newOrg();
    CreatedApiKey created = access.createKey(readKey(org.id()));
    UUID id = created.key().id();
    String wrong = created.secret().substring(0, created.secret().indexOf('_', 3) + 1)
        + "x".repeat(43);
    assertThat(access.claim(created.secret())).isEqualTo(KeyClaim.of(KeyClaim.Kind.UNKNOWN_KEY, id));
    assertThat(access.claim("not a key")).isEqualTo(KeyClaim.malformed());

    access.authenticate(created.secret());
    assertThat(access.claim(created.secret())).isEqualTo(KeyClaim.of(KeyClaim.Kind.KNOWN_KEY, id));
    assertThat(access.claim(wrong)).isEqualTo(KeyClaim.of(KeyClaim.Kind.WRONG_SECRET, id));

    // With api_keys locked against every read, a wrong secret for a known id is still refused:
    // the answer comes from memory, so a flood of guesses at a real key costs the database nothing.
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try (Handle locking = jdbi.open()) {
      locking.begin();
      locking.execute("lock table api_keys in access exclusive mode");
      Future<Principal> guess = executor.submit(() -> access.authenticate(wrong));
      assertThatThrownBy(() -> guess.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ApiKeyInvalidException.class);
      locking.rollback();
    } finally {
      executor.shutdownNow();
    }

    access.revokeKey(Optional.of(org.id()), id);
    assertThat(access.claim(created.secret())).isEqualTo(KeyClaim.of(KeyClaim.Kind.KNOWN_KEY, id));
    assertThatThrownBy(() -> access.authenticate(created.secret()))
        .isInstanceOf(ApiKeyRevokedException.class);
  }

  @Test
  void createKey_organizationDeletedWhileCreating_refusedAndNothingInserted() throws Exception {
    Organization org = newOrg();
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try (Handle deleting = jdbi.open(); Handle watching = jdbi.open()) {
      // What Organizations.delete does, held open: lock the row, mark it deleted, don't commit.
      deleting.begin();
      deleting.createQuery("select id from organizations where id = :id for update")
          .bind("id", org.id()).mapTo(UUID.class).one();
      deleting.createUpdate("update organizations set delete_time = now() where id = :id")
          .bind("id", org.id()).execute();
      int deleter = deleting.createQuery("select pg_backend_pid()").mapTo(Integer.class).one();

      Future<CreatedApiKey> creating = executor.submit(() -> access.createKey(readKey(org.id())));
      // A check outside the insert's transaction reads the old, live row at once. Checked inside it
      // with FOR SHARE, the create waits for the delete; wait until it does (or has finished).
      boolean waited = false;
      while (!waited && !creating.isDone()) {
        waited = watching.createQuery("select count(*) > 0 from pg_stat_activity"
                + " where :deleter = any(pg_blocking_pids(pid))")
            .bind("deleter", deleter).mapTo(Boolean.class).one();
        try {
          creating.get(20, TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
          // the create is still running: look again
        }
      }
      deleting.commit();

      assertThatThrownBy(creating::get)
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(OrganizationDeletedException.class);
      assertThat(watching.createQuery("select count(*) from api_keys where organization_id = :id")
          .bind("id", org.id()).mapTo(Integer.class).one()).isZero();
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void createKey_liveOrganization_storesKey() {
    Organization org = newOrg();
    CreatedApiKey created = access.createKey(readKey(org.id()));
    assertThat(access.getKey(Optional.of(org.id()), created.key().id()).scopes())
        .containsExactly(Scope.ACCOUNTS_READ);
  }

  @Test
  void listKeys_positionOfAnotherOrder_rejectedBeforeAConnectionIsTaken() {
    AtomicInteger connections = new AtomicInteger();
    Access counted = new Access(Jdbi.create(() -> {
      connections.incrementAndGet();
      return DriverManager.getConnection(TestDatabase.jdbcUrl(), "postgres", "");
    }), accounts, Clock.systemUTC(), Duration.ofSeconds(5));
    Position byName = Position.of(new Position.Text("x"), new Position.Uuid(UUID.randomUUID()));

    assertThatThrownBy(() -> counted.listKeys(UUID.randomUUID(),
        new ListQuery(10, "", "", false, Optional.of(byName), Set.of())))
        .isInstanceOfSatisfying(InvalidArgumentException.class,
            e -> assertThat(e.reason()).isEqualTo("INVALID_PAGE_TOKEN"));
    assertThat(connections).hasValue(0);
  }
}
