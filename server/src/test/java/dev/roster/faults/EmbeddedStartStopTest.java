package dev.roster.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.Await;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.RosterProcess;
import dev.roster.testing.TestServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedded mode started and stopped for real, as separate JVMs signalled with SIGTERM and SIGKILL:
 * whatever the moment, no PostgreSQL outlives its Roster unnoticed, the next start works, and a data
 * directory serves one Roster at a time with a one-line refusal for the others.
 */
class EmbeddedStartStopTest {
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration EXIT = Duration.ofSeconds(40);

  @TempDir Path dataDir;
  private final List<RosterProcess> rosters = new ArrayList<>();

  @AfterEach
  void killEverythingStarted() {
    for (RosterProcess roster : rosters) {
      roster.close();
    }
    // A PostgreSQL a failed test left behind on this test's directory, by its pid only.
    postmasterPid().flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive).ifPresent(pg -> {
      signal("INT", pg.pid());
      if (!pg.onExit().completeOnTimeout(null, 20, TimeUnit.SECONDS).join().equals(pg)
          && pg.isAlive()) {
        pg.destroyForcibly();
      }
    });
  }

  @Test
  void sigtermDuringStartUp_stopsTheEmbeddedPostgres_andTheNextStartServes() {
    int rounds = Integer.getInteger("roster.test.startUpSigtermRounds", 1);
    for (int round = 0; round < rounds; round++) {
      RosterProcess starting = launch(env(), List.of("-Droster.test.pauseAfterDatabase=60s"));
      assertThat(starting.awaitLine("start-up paused", START)).as(output(starting)).isTrue();
      long postgres = postmasterPid().orElseThrow();
      assertThat(ProcessHandle.of(postgres).map(ProcessHandle::isAlive)).contains(true);

      starting.sigterm();

      assertThat(starting.awaitExit(EXIT)).as(output(starting)).isEqualTo(143);
      assertThat(ProcessHandle.of(postgres).map(ProcessHandle::isAlive).orElse(false))
          .as("the embedded PostgreSQL stopped with its JVM").isFalse();
      assertThat(dataDir.resolve("postgres/postmaster.pid")).doesNotExist();
      assertThat(starting.lines()).noneMatch(l -> l.contains("listening for gRPC"))
          .noneMatch(l -> l.startsWith("\tat "));
    }

    Map<String, String> env = env();
    RosterProcess next = start(env);
    assertThat(health(env)).isEqualTo(ServingStatus.SERVING);
    stop(next);
  }

  @Test
  void sigkill_leavesPostgresRunning_theNextStartStopsItAndServesTheData() {
    Map<String, String> env = env();
    RosterProcess first = start(env);
    Organization created = call(env, stub -> stub.createOrganization(
        CreateOrganizationRequest.newBuilder()
            .setOrganization(Organization.newBuilder().setSlug("survives-sigkill")).build()));
    long leftBehind = postmasterPid().orElseThrow();

    first.sigkill();
    assertThat(first.awaitExit(EXIT)).isEqualTo(137);
    assertThat(ProcessHandle.of(leftBehind).map(ProcessHandle::isAlive))
        .as("SIGKILL runs no hook: the PostgreSQL keeps running").contains(true);

    Map<String, String> again = env();
    RosterProcess second = start(again);
    assertThat(second.lines()).anyMatch(l -> l.contains("WARN")
        && l.contains("(pid " + leftBehind + ") was left running on"));
    assertThat(ProcessHandle.of(leftBehind).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(health(again)).isEqualTo(ServingStatus.SERVING);
    Organization read = call(again, stub -> stub.getOrganization(
        GetOrganizationRequest.newBuilder().setName(created.getName()).build()));
    assertThat(read).isEqualTo(created);

    // A second Roster, and mint-admin-key, on the live directory: one line, nothing to kill.
    for (String[] args : List.of(new String[0], new String[] {"mint-admin-key"})) {
      RosterProcess intruder = launch(env(), List.of(), args);
      assertThat(intruder.awaitExit(START)).as(output(intruder)).isEqualTo(1);
      assertRefusedInUse(intruder, second);
    }
    assertThat(health(again)).as("the live server is untouched").isEqualTo(ServingStatus.SERVING);
    stop(second);
  }

  @Test
  void twoStartedAtOnceOnAnEmptyDirectory_oneServes_theOtherSaysInUse() {
    Map<String, String> envA = env();
    Map<String, String> envB = env();
    RosterProcess a = launch(envA, List.of());
    RosterProcess b = launch(envB, List.of());

    Await.until(START, "one of the two to exit", () -> !a.alive() || !b.alive());
    RosterProcess refused = a.alive() ? b : a;
    RosterProcess serving = refused == a ? b : a;
    Map<String, String> servingEnv = serving == a ? envA : envB;

    assertThat(refused.awaitExit(EXIT)).as(output(refused)).isEqualTo(1);
    assertRefusedInUse(refused, serving);
    assertThat(serving.awaitLine("listening for gRPC", START)).as(output(serving)).isTrue();
    assertThat(health(servingEnv)).isEqualTo(ServingStatus.SERVING);
    stop(serving);
  }

  private static void assertRefusedInUse(RosterProcess refused, RosterProcess owner) {
    List<String> lines = refused.lines();
    assertThat(lines).as(String.join("\n", lines))
        .filteredOn(l -> l.contains("is in use by another Roster process"))
        .singleElement().satisfies(line -> {
          assertThat(line).startsWith("roster: data directory ")
              .contains("(pid " + owner.pid() + ")").doesNotContainIgnoringCase("kill");
        });
    assertThat(lines).noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception"));
  }

  private void stop(RosterProcess roster) {
    long postgres = postmasterPid().orElseThrow();
    roster.sigterm();
    assertThat(roster.awaitExit(EXIT)).as(output(roster)).isEqualTo(143);
    assertThat(ProcessHandle.of(postgres).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  private RosterProcess launch(Map<String, String> env, List<String> jvmOptions, String... args) {
    RosterProcess roster = RosterProcess.launch(env, jvmOptions, args);
    rosters.add(roster);
    return roster;
  }

  private RosterProcess start(Map<String, String> env) {
    RosterProcess roster = launch(env, List.of());
    assertThat(roster.awaitLine("listening for gRPC", START)).as(output(roster)).isTrue();
    return roster;
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("ROSTER_DATA_DIR", dataDir.toString());
    env.put("ROSTER_GRPC_PORT", Integer.toString(PostgresProcess.freePort()));
    env.put("ROSTER_ADMIN_PORT", "0");
    env.put("ROSTER_EMBEDDED_DATABASE_PORT", Integer.toString(PostgresProcess.freePort()));
    env.put("ROSTER_BOOTSTRAP_ADMIN_KEY", TestServer.ADMIN_KEY);
    env.put("ROSTER_SHUTDOWN_GRACE", "2s");
    return env;
  }

  private Optional<Long> postmasterPid() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("postgres/postmaster.pid"));
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static ServingStatus health(Map<String, String> env) {
    ManagedChannel channel = channel(env);
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  private static <T> T call(Map<String, String> env,
      Function<AccountsServiceGrpc.AccountsServiceBlockingStub, T> rpc) {
    ManagedChannel channel = channel(env);
    try {
      return rpc.apply(AccountsServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
          .withDeadlineAfter(30, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow();
    }
  }

  private static ManagedChannel channel(Map<String, String> env) {
    return ManagedChannelBuilder.forAddress("127.0.0.1",
        Integer.parseInt(env.get("ROSTER_GRPC_PORT"))).usePlaintext().build();
  }

  private static String output(RosterProcess roster) {
    return String.join("\n", roster.lines());
  }

  private static void signal(String signal, long pid) {
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
