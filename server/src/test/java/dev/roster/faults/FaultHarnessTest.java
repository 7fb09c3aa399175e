package dev.roster.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.testing.PostgresProcess;
import dev.roster.testing.RosterProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The fault harness itself: a PostgreSQL that freezes and restarts, a Roster JVM that answers. */
class FaultHarnessTest {
  @Test
  void postgresFreezesThawsAndRestarts_rosterRunsAsItsOwnJvm() throws Exception {
    try (PostgresProcess postgres = PostgresProcess.start()) {
      assertThat(selectOne(postgres)).isEqualTo(1);
      postgres.freeze();
      assertThat(postgres.pids()).hasSizeGreaterThan(1);
      long start = System.nanoTime();
      try (var c = java.sql.DriverManager.getConnection(postgres.jdbcUrl()
          + "?connectTimeout=1&loginTimeout=1&socketTimeout=1", "postgres", "")) {
        throw new AssertionError("a frozen PostgreSQL accepted a login");
      } catch (SQLException expected) {
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      }
      postgres.thaw();
      assertThat(selectOne(postgres)).isEqualTo(1);
      postgres.stop();
      assertThat(postgres.running()).isFalse();
      postgres.startAgain();
      assertThat(selectOne(postgres)).isEqualTo(1);

      int port = PostgresProcess.freePort();
      try (RosterProcess roster = RosterProcess.start(Map.of(
          "ROSTER_DATABASE_URL", postgres.jdbcUrl(), "ROSTER_GRPC_PORT", Integer.toString(port)),
          Duration.ofSeconds(60))) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext().build();
        try {
          assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus())
              .isEqualTo(ServingStatus.SERVING);
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        roster.sigterm();
        assertThat(roster.awaitExit(Duration.ofSeconds(30))).isNotEqualTo(-1);
        assertThat(roster.lines()).anyMatch(l -> l.contains("stopped"));
      }
    }
  }

  private static int selectOne(PostgresProcess postgres) throws SQLException {
    try (var c = postgres.connect(); var s = c.createStatement(); var r = s.executeQuery("select 1")) {
      r.next();
      return r.getInt(1);
    }
  }
}
