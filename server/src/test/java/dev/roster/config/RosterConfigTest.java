package dev.roster.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RosterConfigTest {
  @Test
  void from_emptyEnvironment_usesDocumentedDefaults() {
    RosterConfig c = RosterConfig.from(Map.of());
    assertThat(c.grpcPort()).isEqualTo(9090);
    assertThat(c.databaseUrl()).isEmpty();
    assertThat(c.dataDir()).isEqualTo(Path.of(".roster"));
    assertThat(c.databasePoolSize()).isEqualTo(20);
    assertThat(c.databaseSocketTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(20));
  }

  @ParameterizedTest
  @CsvSource({"500ms,PT0.5S", "30s,PT30S", "5m,PT5M", "1h,PT1H", "PT2S,PT2S"})
  void from_durations_acceptShortAndIsoForms(String value, String expected) {
    RosterConfig c = RosterConfig.from(Map.of("ROSTER_SHUTDOWN_GRACE", value));
    assertThat(c.shutdownGrace()).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @CsvSource({"ROSTER_GRPC_PORT,http", "ROSTER_GRPC_PORT,70000", "ROSTER_DATABASE_POOL_SIZE,0",
      "ROSTER_SHUTDOWN_GRACE,soon", "ROSTER_DATABASE_SOCKET_TIMEOUT,-PT1S"})
  void from_badValue_failsNamingTheVariable(String variable, String value) {
    assertThatThrownBy(() -> RosterConfig.from(Map.of(variable, value)))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageContaining(variable);
  }

  @Test
  void from_databaseUrl_isTrimmedAndKept() {
    RosterConfig c = RosterConfig.from(Map.of("ROSTER_DATABASE_URL", " jdbc:postgresql://db/roster "));
    assertThat(c.databaseUrl()).contains("jdbc:postgresql://db/roster");
  }
}
