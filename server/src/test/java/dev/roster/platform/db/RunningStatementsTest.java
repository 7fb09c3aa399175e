package dev.roster.platform.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.platform.db.DatabasePools.Pool;
import dev.roster.server.ErrorTranslator;
import dev.roster.testing.Await;
import dev.roster.testing.PostgresProcess;
import io.grpc.Status;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pools' registry of running statements against PostgreSQL as a separate process: closing
 * cancels what still runs on the server, so no backend outlives the pools; abortRunning lets go of
 * statements blocked on a frozen server at once; a flood of cancel requests against a frozen
 * server stays bounded and never blocks whoever asks.
 */
class RunningStatementsTest {
  private static PostgresProcess postgres;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeAll
  static void startPostgres() throws SQLException {
    postgres = PostgresProcess.start();
    try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
      // Beside Roster's schema: migrations want an empty public schema.
      s.execute("create schema scratch");
      s.execute("create table scratch.held (id int primary key, v int not null)");
      s.execute("insert into scratch.held values (1, 0)");
    }
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @AfterEach
  void stopThreads() throws InterruptedException {
    postgres.thaw();
    threads.shutdownNow();
    threads.awaitTermination(10, TimeUnit.SECONDS);
  }

  private static DatabasePools pools() {
    Map<Pool, Integer> sizes = new EnumMap<>(Pool.class);
    sizes.put(Pool.API, 2);
    sizes.put(Pool.AUTH, 1);
    sizes.put(Pool.JOBS, 1);
    return DatabasePools.open(new Database.Settings(postgres.jdbcUrl(), "postgres", "", 2,
        Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofMillis(500)), sizes);
  }

  /** Holds the row lock of {@code held} row 1 in an open transaction until closed. */
  private static Connection lockRow() throws SQLException {
    Connection lock = postgres.connect();
    lock.setAutoCommit(false);
    try (Statement s = lock.createStatement()) {
      s.execute("select 1 from scratch.held where id = 1 for update");
    }
    return lock;
  }

  /** Starts an update of the locked row on {@code pool}, outside any call; its failure, if any. */
  private Future<Throwable> blockedUpdate(DatabasePools pools, Pool pool) {
    return threads.submit(() -> {
      try {
        pools.jdbi(pool).withHandle(h ->
            h.execute("update scratch.held set v = v + 1 where id = 1"));
        return null;
      } catch (RuntimeException e) {
        return e;
      }
    });
  }

  private static int rosterBackends(String where) {
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        var r = s.executeQuery("select count(*) from pg_stat_activity"
            + " where application_name like 'roster-%' " + where)) {
      r.next();
      return r.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void close_statementsBlockedOnALock_areCancelledOnTheServer_noBackendOutlivesTheClose()
      throws Exception {
    DatabasePools pools = pools();
    try (Connection lock = lockRow()) {
      Future<Throwable> api = blockedUpdate(pools, Pool.API);
      Future<Throwable> jobs = blockedUpdate(pools, Pool.JOBS);
      Await.until("two Roster statements waiting on the lock",
          () -> rosterBackends("and wait_event_type = 'Lock'") == 2
              && pools.runningStatements() == 2);

      long start = System.nanoTime();
      pools.close();
      long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      // Cancelled by PostgreSQL (57014), not cut off from the client side.
      assertThat(DatabaseFailures.isCancelled(api.get(5, TimeUnit.SECONDS))).isTrue();
      assertThat(DatabaseFailures.isCancelled(jobs.get(5, TimeUnit.SECONDS))).isTrue();
      long afterClose = System.nanoTime();
      Await.until(Duration.ofSeconds(2), "no roster- backend left", () -> rosterBackends("") == 0);
      System.out.printf("close with 2 statements blocked on a lock: close() %d ms, last roster-"
              + " backend gone %d ms after close() returned%n", closeMillis,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - afterClose));
      assertThat(closeMillis).isLessThan(Database.CLOSE_WAIT.toMillis());
      lock.rollback();
    }
  }

  @Test
  void abortRunning_statementBlockedOnAFrozenDatabase_endsAtOnce_unavailable_andThePoolRecovers()
      throws Exception {
    try (DatabasePools pools = pools(); Connection lock = lockRow()) {
      Future<Throwable> blocked = blockedUpdate(pools, Pool.API);
      Await.until("the statement to wait on the lock",
          () -> rosterBackends("and wait_event_type = 'Lock'") == 1
              && pools.runningStatements() == 1);
      postgres.freeze();

      long start = System.nanoTime();
      assertThat(pools.abortRunning()).isEqualTo(1);
      Throwable failure = blocked.get(5, TimeUnit.SECONDS);
      long endedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.printf("abortRunning on a frozen database: blocked statement ended after %d ms%n",
          endedMillis);
      assertThat(endedMillis).isLessThan(500);
      assertThat(DatabaseFailures.isUnreachable(failure)).as("%s", failure).isTrue();
      assertThat(ErrorTranslator.translate(failure, "test/Abort").getStatus().getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(pools.runningStatements()).isZero();

      postgres.thaw();
      lock.rollback();
      Await.until("the API pool to answer again", () -> {
        try {
          return pools.jdbi(Pool.API).withHandle(h ->
              h.createQuery("select 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException notYet) {
          return false;
        }
      });
    }
  }

  @Test
  void close_frozenDatabase_givesUpOnCancelling_withinTheCancelTimeout() throws Exception {
    DatabasePools pools = pools();
    try (Connection lock = lockRow()) {
      Future<Throwable> blocked = blockedUpdate(pools, Pool.API);
      Await.until("the statement to wait on the lock",
          () -> rosterBackends("and wait_event_type = 'Lock'") == 1
              && pools.runningStatements() == 1);
      postgres.freeze();
      long start = System.nanoTime();
      pools.close();
      long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      Throwable failure = blocked.get(5, TimeUnit.SECONDS);
      System.out.printf("close with a statement blocked on a frozen database: %d ms%n",
          closeMillis);
      assertThat(failure).isNotNull();
      // The cancel wait (cancel timeout + 0.5 s), then HikariCP's own bounded stop.
      assertThat(closeMillis).isLessThan(Database.CLOSE_WAIT.toMillis() + 5_000);
      postgres.thaw();
      lock.rollback();
    }
  }

  @Test
  void cancels_floodAgainstAFrozenDatabase_stayBounded_andNeverBlockTheCaller() throws Exception {
    // One statement per cancel: pgjdbc itself skips a cancel of a statement already being
    // cancelled, which would let the queue drain. 70 = the 2 threads, the 64 queued, 4 more.
    int flood = StatementCancels.THREADS + StatementCancels.QUEUE + 4;
    List<Connection> connections = new ArrayList<>();
    List<Statement> sleeping = new ArrayList<>();
    try {
      for (int i = 0; i < flood; i++) {
        Connection c = DriverManager.getConnection(
            postgres.jdbcUrl() + "?cancelSignalTimeout=1", "postgres", "");
        connections.add(c);
        Statement s = c.createStatement();
        sleeping.add(s);
        threads.submit(() -> s.execute("select pg_sleep(30)"));
      }
      Await.until("the sleeps to run", () -> sleeps() == flood);
      // Cancels left by an earlier test (sent to a frozen server) have given up.
      Await.until("the cancel threads idle", () -> StatementCancels.busy() == 0);
      postgres.freeze();
      try {
        long droppedBefore = StatementCancels.dropped();
        long start = System.nanoTime();
        List<Boolean> queued = new ArrayList<>();
        for (Statement statement : sleeping) {
          queued.add(StatementCancels.cancel(statement, () -> true));
        }
        long floodMicros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
        long dropped = StatementCancels.dropped() - droppedBefore;
        int waiting = StatementCancels.queued();
        System.out.printf("%d cancel requests against a frozen database: queued in %d us, %d"
            + " dropped, %d waiting%n", flood, floodMicros, dropped, waiting);
        assertThat(floodMicros).isLessThan(200_000);
        assertThat(waiting).isLessThanOrEqualTo(StatementCancels.QUEUE);
        // 4, give or take a thread that is just finishing something else.
        assertThat(dropped).isBetween(4L, 6L);
        // Nothing is refused while the queue has room, and every refusal is a dropped request;
        // which of the last few are refused depends on when a cancel thread takes its next one.
        assertThat(queued.subList(0, StatementCancels.QUEUE)).containsOnly(true);
        assertThat(queued.stream().filter(q -> !q).count()).isEqualTo(dropped);
      } finally {
        postgres.thaw();
      }
      // Answered now: the queued requests cancel the sleeps (or find them ended).
      Await.until("the cancel queue to drain", () -> StatementCancels.queued() == 0);
    } finally {
      postgres.thaw();
      // The requests that went to the frozen server, and the dropped ones, did not end theirs.
      try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
        s.execute("select pg_cancel_backend(pid) from pg_stat_activity"
            + " where query = 'select pg_sleep(30)'");
      }
      threads.shutdownNow();
      threads.awaitTermination(40, TimeUnit.SECONDS);
      for (Connection c : connections) {
        c.close();
      }
    }
  }

  private static int sleeps() {
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        var r = s.executeQuery("select count(*) from pg_stat_activity where query = 'select"
            + " pg_sleep(30)' and state = 'active'")) {
      r.next();
      return r.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
