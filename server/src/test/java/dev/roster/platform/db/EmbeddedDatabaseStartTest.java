package dev.roster.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded start's failures an operator acts on: the data-directory lock, the identification
 * of what postmaster.pid names, and the one-line explanation of a full disk (from the exception
 * chain or from what PostgreSQL printed; a real full disk was checked by hand on a small tmpfs).
 */
class EmbeddedDatabaseStartTest {
  private static final Path DIR = Path.of("/srv/roster/postgres");

  @TempDir Path dataDir;

  @Test
  void explain_postgresSaysNoSpace_oneLineWithTheCause() {
    List<String> output = List.of("creating subdirectories ... ok",
        "waiting for server to start....2026-12-01 07:13:56.374 UTC [898] FATAL:  could not write"
            + " lock file \"postmaster.pid\": No space left on device",
        " stopped waiting");
    EmbeddedDatabaseException e = EmbeddedDatabase.explain(
        new IllegalStateException("Process [pg_ctl, ...] failed"), DIR, output,
        Optional.of(3L * 1024 * 1024));
    assertThat(e.getMessage())
        .startsWith("cannot start the embedded PostgreSQL in /srv/roster/postgres: No space left on"
            + " device (3 MB free there now)")
        .contains("FATAL: could not write lock file \"postmaster.pid\"")
        .doesNotContain("\n").doesNotContain("07:13:56");
  }

  @Test
  void explain_shortWriteWithTheDiskSpaceHint_isAFullDisk() {
    // What initdb printed on a 20 MB tmpfs: PostgreSQL reports the short write, not the errno.
    List<String> output = List.of("running bootstrap script ... 2026-12-01 07:13:17.690 UTC [32237]"
            + " FATAL:  could not extend file \"base/1/2691\": wrote only 4096 of 8192 bytes at block 16",
        "2026-12-01 07:13:17.690 UTC [32237] HINT:  Check free disk space.",
        "2026-12-01 07:13:17.690 UTC [32237] PANIC:  cannot abort transaction 1, it was already committed");
    assertThat(EmbeddedDatabase.explain(new IllegalStateException("Process [initdb] failed"), DIR,
        output, Optional.empty()).getMessage()).contains(": No space left on device; free some");
  }

  @Test
  void explain_exceptionChainSaysNoSpace_evenWithoutOutput() {
    RuntimeException failure = new RuntimeException("migration failed", new IOException("wrapped",
        new FileSystemException("/srv/roster/roster.lock: No space left on device")));
    assertThat(EmbeddedDatabase.noSpace(failure, DIR, List.of(), Optional.of(0L)))
        .get().extracting(Throwable::getMessage).asString()
        .contains("No space left on device (0 MB free there now)");
  }

  @Test
  void explain_otherFailures_namePostgresLastComplaint_andAreNotCalledAFullDisk() {
    List<String> output = List.of("2026-12-01 07:00:00.000 UTC [1] FATAL:  could not create lock"
        + " file \"/tmp/.s.PGSQL.5432.lock\": Permission denied");
    RuntimeException failure = new IllegalStateException("Process [pg_ctl] failed");
    assertThat(EmbeddedDatabase.explain(failure, DIR, output, Optional.of(1L << 30)).getMessage())
        .isEqualTo("cannot start the embedded PostgreSQL in /srv/roster/postgres: FATAL: could not"
            + " create lock file \"/tmp/.s.PGSQL.5432.lock\": Permission denied");
    assertThat(EmbeddedDatabase.noSpace(failure, DIR, output, Optional.empty())).isEmpty();
  }

  @Test
  void lock_heldByThisProcess_refusesASecondWithItsPid_withoutAdviceToKill() throws Exception {
    long pid = ProcessHandle.current().pid();
    try (DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir)) {
      assertThat(Files.readString(dataDir.resolve("roster.lock")).trim()).isEqualTo(Long.toString(pid));
      assertThat(DataDirectoryLock.held()).contains(dataDir.toAbsolutePath().normalize());
      assertThatThrownBy(() -> DataDirectoryLock.acquire(dataDir))
          .isInstanceOf(EmbeddedDatabaseException.class)
          .hasMessage("data directory " + dataDir.toAbsolutePath().normalize() + " is in use by"
              + " another Roster process (pid " + pid + "); one data directory serves one Roster"
              + " at a time (set ROSTER_DATA_DIR to use another)");
    }
    assertThat(DataDirectoryLock.held()).doesNotContain(dataDir.toAbsolutePath().normalize());
    DataDirectoryLock.acquire(dataDir).close();
  }

  @Test
  void postmasterPid_isIdentifiedBeforeAnythingIsSignalled() throws Exception {
    Path pg = Files.createDirectories(dataDir.resolve("postgres"));
    assertThat(Postmaster.inspect(pg).kind()).isEqualTo(Postmaster.Kind.NONE);

    Files.writeString(Postmaster.pidFile(pg), "not-a-pid\n");
    assertThat(Postmaster.inspect(pg).kind()).isEqualTo(Postmaster.Kind.UNREADABLE);

    Process ended = new ProcessBuilder("true").start();
    assertThat(ended.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Files.writeString(Postmaster.pidFile(pg), ended.pid() + "\n" + pg + "\n");
    assertThat(Postmaster.inspect(pg).kind()).isEqualTo(Postmaster.Kind.NONE);

    // A pid reused by an unrelated process (here this JVM): not a postgres, never signalled.
    Files.writeString(Postmaster.pidFile(pg), ProcessHandle.current().pid() + "\n" + pg + "\n");
    Postmaster.Found found = Postmaster.inspect(pg);
    assertThat(found.kind()).isEqualTo(Postmaster.Kind.FOREIGN);
    assertThat(found.command()).endsWith("java");
  }

  @Test
  void start_stalePostmasterPidOfAReusedPid_isRemoved_thenCloseStopsAndUnlocks() throws Exception {
    Path pg = Files.createDirectories(dataDir.resolve("postgres"));
    Files.writeString(Postmaster.pidFile(pg), ProcessHandle.current().pid() + "\n" + pg + "\n");
    long postmaster;
    try (EmbeddedDatabase db = EmbeddedDatabase.start(dataDir, 0)) {
      Postmaster.Found running = Postmaster.inspect(pg);
      assertThat(running.kind()).isEqualTo(Postmaster.Kind.OURS);
      postmaster = running.pid();
      try (var c = DriverManager.getConnection(db.jdbcUrl(), db.user(), "");
          var r = c.createStatement().executeQuery("select current_database()")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("roster");
      }
      assertThatThrownBy(() -> EmbeddedDatabase.start(dataDir, 0))
          .isInstanceOf(EmbeddedDatabaseException.class).hasMessageContaining("is in use by");
      assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive)).contains(true);
    }
    assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(Postmaster.pidFile(pg)).doesNotExist();
    DataDirectoryLock.acquire(dataDir).close();
  }
}
