package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.platform.db.EmbeddedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shutdown hook's side of start-up: it closes what started, and never hangs on a stuck one. */
class LifecycleTest {
  @TempDir Path dataDir;

  @Test
  void hook_afterStartUp_closesWhatStarted_once() {
    Lifecycle<AutoCloseable> lifecycle = new Lifecycle<>(Duration.ofSeconds(5));
    AtomicBoolean closed = new AtomicBoolean();
    lifecycle.start(() -> () -> assertThat(closed.getAndSet(true)).isFalse());
    lifecycle.stop();
    assertThat(closed).isTrue();
  }

  @Test
  void hook_runsItsLastStepAfterClosing_evenWhenClosingFails() {
    java.util.List<String> steps = new java.util.concurrent.CopyOnWriteArrayList<>();
    Lifecycle<AutoCloseable> lifecycle = new Lifecycle<>(Duration.ofSeconds(5))
        .finallyRun(() -> steps.add("last"));
    lifecycle.start(() -> () -> {
      steps.add("closed");
      throw new IllegalStateException("close failed");
    });
    lifecycle.stop();
    assertThat(steps).containsExactly("closed", "last");
  }

  @Test
  void hook_startUpStuck_returnsAfterTheBound_andStopsTheEmbeddedPostgres() throws Exception {
    EmbeddedDatabase db = EmbeddedDatabase.start(dataDir, 0);
    long postmaster = Long.parseLong(
        Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).trim());
    CountDownLatch release = new CountDownLatch(1);
    Lifecycle<AutoCloseable> lifecycle = new Lifecycle<>(Duration.ofMillis(200));
    Thread starter = new Thread(() -> lifecycle.start(() -> {
      try {
        release.await(); // stuck, say in a migration on a database that never answers
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return db;
    }), "stuck-start-up");
    starter.start();
    try {
      long began = System.nanoTime();
      lifecycle.stop();
      assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(30));
      assertThat(starter.isAlive()).as("start-up still stuck").isTrue();
      assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false))
          .as("the PostgreSQL of the locked data directory is stopped").isFalse();
    } finally {
      release.countDown();
      starter.join(10_000);
      db.close();
    }
  }
}
