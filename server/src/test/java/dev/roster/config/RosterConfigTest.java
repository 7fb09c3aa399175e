package dev.roster.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
    assertThat(c.databaseAuthPoolSize()).isEqualTo(4);
    // default=5, mail=3, exports=1: one connection per job at once, plus one
    assertThat(c.databaseJobsPoolSize()).isEqualTo(10);
    assertThat(c.databaseSocketTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.healthCheckInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.healthCheckTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.security().authBrake()).isEqualTo(new RosterConfig.AuthBrake(20, 5, 50, 10));
    assertThat(c.security().trustedProxies()).isEmpty();
    assertThat(c.security().maxKeysPerOrganization()).isEqualTo(50);
  }

  @Test
  void from_pgBouncerSettings_defaultToTheDriverAndTheMainUrl_andRefuseANegativeThreshold() {
    RosterConfig defaults = RosterConfig.from(Map.of());
    assertThat(defaults.databaseDirectUrl()).isEmpty();
    assertThat(defaults.databasePrepareThreshold()).isEqualTo(5);
    RosterConfig c = RosterConfig.from(Map.of(
        "ROSTER_DATABASE_URL", "jdbc:postgresql://bouncer:6432/roster",
        "ROSTER_DATABASE_DIRECT_URL", "jdbc:postgresql://db:5432/roster",
        "ROSTER_DATABASE_PREPARE_THRESHOLD", "0"));
    assertThat(c.databaseDirectUrl()).contains("jdbc:postgresql://db:5432/roster");
    assertThat(c.databasePrepareThreshold()).isZero();
    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_DATABASE_PREPARE_THRESHOLD", "-1")))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageContaining("ROSTER_DATABASE_PREPARE_THRESHOLD");
  }

  @Test
  void from_securityFairness_readsBrakeProxiesAndKeyLimit() {
    RosterConfig c = RosterConfig.from(Map.of("ROSTER_TRUSTED_PROXIES", " 10.0.0.0/8, fd00::/8 ,192.0.2.1",
        "ROSTER_AUTH_FAILURE_BURST", "3", "ROSTER_AUTH_FAILURES_PER_SECOND", "2",
        "ROSTER_AUTH_UNKNOWN_KEY_BURST", "9", "ROSTER_AUTH_UNKNOWN_KEYS_PER_SECOND", "4",
        "ROSTER_MAX_KEYS_PER_ORGANIZATION", "7"));
    assertThat(c.security().trustedProxies()).extracting(Object::toString)
        .containsExactly("10.0.0.0/8", "fd00::/8", "192.0.2.1/32");
    assertThat(c.security().authBrake()).isEqualTo(new RosterConfig.AuthBrake(3, 2, 9, 4));
    assertThat(c.security().maxKeysPerOrganization()).isEqualTo(7);
  }

  @Test
  void from_emptyEnvironment_admissionDefaults() {
    RosterConfig.Admission a = RosterConfig.from(Map.of()).admission();
    assertThat(a.callQueue()).isEqualTo(128);
    assertThat(a.maxCallsInFlightPerKey()).isEqualTo(6);
    assertThat(a.maxCallsInFlightPerOrganization()).isEqualTo(8);
    assertThat(a.organizationRateLimitPerSecond()).isEqualTo(200);
    assertThat(a.organizationRateLimitBurst()).isEqualTo(400);
    assertThat(a.maxDeadline()).isEqualTo(Duration.ofSeconds(60));
    assertThat(a.maxWaitsPerKey()).isEqualTo(10);
    // The queue follows the threads unless set.
    assertThat(RosterConfig.from(Map.of("ROSTER_CALL_THREADS", "8")).admission().callQueue())
        .isEqualTo(16);
  }

  @Test
  void from_databaseReadReserve_aFifthOfThePoolUnlessSet_andLeavesOtherCallsAConnection() {
    assertThat(RosterConfig.from(Map.of()).admission().databaseReadReserve()).isEqualTo(4);
    assertThat(RosterConfig.from(Map.of()).databaseAcquireTimeout())
        .isEqualTo(Duration.ofMillis(500));
    assertThat(RosterConfig.from(Map.of("ROSTER_DATABASE_POOL_SIZE", "3")).admission()
        .databaseReadReserve()).isZero();
    assertThat(RosterConfig.from(Map.of("ROSTER_DATABASE_POOL_SIZE", "10",
        "ROSTER_DATABASE_READ_RESERVE", "9")).admission().databaseReadReserve()).isEqualTo(9);
    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_DATABASE_POOL_SIZE", "10",
        "ROSTER_DATABASE_READ_RESERVE", "10")))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageContaining("ROSTER_DATABASE_READ_RESERVE=10");
    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_DATABASE_READ_RESERVE", "-1")))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageContaining("ROSTER_DATABASE_READ_RESERVE=-1");
  }

  @Test
  void from_metricsEnabled_onByDefault_offWhenFalse_refusedWhenNotABoolean() {
    assertThat(RosterConfig.from(Map.of()).metricsEnabled()).isTrue();
    assertThat(RosterConfig.from(Map.of("ROSTER_METRICS_ENABLED", "false")).metricsEnabled())
        .isFalse();
    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_METRICS_ENABLED", "off")))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageContaining("ROSTER_METRICS_ENABLED=off");
  }

  @Test
  void from_maxDeadlineBelowDefaultDeadline_refused() {
    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_MAX_DEADLINE", "5s")))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageContaining("ROSTER_MAX_DEADLINE=5s")
        .hasMessageContaining("ROSTER_DEFAULT_DEADLINE");
  }

  @Test
  void from_logFormat_textByDefault_jsonInAnyCase_elseRefused() {
    assertThat(RosterConfig.from(Map.of()).logFormat()).isEqualTo(RosterConfig.LogFormat.TEXT);
    assertThat(RosterConfig.from(Map.of("ROSTER_LOG_FORMAT", " ")).logFormat())
        .isEqualTo(RosterConfig.LogFormat.TEXT);
    assertThat(RosterConfig.from(Map.of("ROSTER_LOG_FORMAT", "JSON")).logFormat())
        .isEqualTo(RosterConfig.LogFormat.JSON);
    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_LOG_FORMAT", "bogus")))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessage("ROSTER_LOG_FORMAT=bogus is not valid: expected text or json");
  }

  @Test
  void from_jobsPoolSize_followsTheQueuesUnlessSet() {
    assertThat(RosterConfig.from(Map.of("ROSTER_QUEUES", "mail=30,exports=2"))
        .databaseJobsPoolSize()).isEqualTo(33);
    assertThat(RosterConfig.from(Map.of("ROSTER_QUEUES", "mail=30",
        "ROSTER_DATABASE_JOBS_POOL_SIZE", "12")).databaseJobsPoolSize()).isEqualTo(12);
  }

  @ParameterizedTest
  @CsvSource({"500ms,PT0.5S", "30s,PT30S", "5m,PT5M", "1h,PT1H", "PT2S,PT2S"})
  void from_durations_acceptShortAndIsoForms(String value, String expected) {
    RosterConfig c = RosterConfig.from(Map.of("ROSTER_SHUTDOWN_GRACE", value));
    assertThat(c.shutdownGrace()).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @CsvSource({"ROSTER_GRPC_PORT,http", "ROSTER_GRPC_PORT,70000", "ROSTER_DATABASE_POOL_SIZE,0",
      "ROSTER_DATABASE_AUTH_POOL_SIZE,0", "ROSTER_DATABASE_JOBS_POOL_SIZE,-1",
      "ROSTER_SHUTDOWN_GRACE,soon", "ROSTER_DATABASE_SOCKET_TIMEOUT,-PT1S"})
  void from_badValue_failsNamingTheVariable(String variable, String value) {
    assertThatThrownBy(() -> RosterConfig.from(Map.of(variable, value)))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageContaining(variable);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ROSTER_GRPC_PORT|http|ROSTER_GRPC_PORT=http is not valid: expected a port number from 0 to 65535",
      "ROSTER_SMTP_PORT|70000|ROSTER_SMTP_PORT=70000 is not valid: expected a port number from 0 to 65535",
      "ROSTER_CALL_THREADS|0|ROSTER_CALL_THREADS=0 is not valid: expected a whole number greater than 0",
      "ROSTER_CALL_THREADS|many|ROSTER_CALL_THREADS=many is not valid: expected a whole number greater than 0",
      "ROSTER_PAGE_TOKEN_TTL|0s|ROSTER_PAGE_TOKEN_TTL=0s is not valid: expected a duration greater than zero",
      "ROSTER_SHUTDOWN_GRACE|-PT1S|ROSTER_SHUTDOWN_GRACE=-PT1S is not valid: expected a duration such as 500ms, 30s, 5m, 1h, 7d or PT30S",
      "ROSTER_ROLE|boss|ROSTER_ROLE=boss is not valid: expected all, api or worker",
      "ROSTER_SMTP_STARTTLS|maybe|ROSTER_SMTP_STARTTLS=maybe is not valid: expected true or false",
      "ROSTER_QUEUES|default=0|ROSTER_QUEUES=default=0 is not valid: expected comma-separated queue=concurrency pairs, e.g. default=10,mail=5 (1..1000)",
      "ROSTER_QUEUES|Default=1|ROSTER_QUEUES=Default=1 is not valid: expected comma-separated queue=concurrency pairs, e.g. default=10,mail=5",
      "ROSTER_BOOTSTRAP_ADMIN_KEY|too short|ROSTER_BOOTSTRAP_ADMIN_KEY=(hidden) is not valid: expected 32 to 256 printable ASCII characters without spaces",
      "ROSTER_PAGE_TOKEN_KEYS|c2hvcnQ=|ROSTER_PAGE_TOKEN_KEYS=(hidden) is not valid: expected base64 secrets of at least 32 bytes",
      "ROSTER_PAGE_TOKEN_KEYS|not base64!|ROSTER_PAGE_TOKEN_KEYS=(hidden) is not valid: expected comma-separated base64 secrets",
      "ROSTER_TLS_CERT_FILE|/no/such/cert.pem|ROSTER_TLS_CERT_FILE=/no/such/cert.pem is not valid: expected a readable file",
      "ROSTER_TRUSTED_PROXIES|10.0.0.0/33|ROSTER_TRUSTED_PROXIES=10.0.0.0/33 is not valid: expected comma-separated IP addresses or CIDR blocks, e.g. 10.0.0.0/8,fd00::/8",
      "ROSTER_TRUSTED_PROXIES|proxy.internal|ROSTER_TRUSTED_PROXIES=proxy.internal is not valid: expected comma-separated IP addresses or CIDR blocks, e.g. 10.0.0.0/8,fd00::/8",
      "ROSTER_MAX_KEYS_PER_ORGANIZATION|0|ROSTER_MAX_KEYS_PER_ORGANIZATION=0 is not valid: expected a whole number greater than 0"})
  void from_badValue_explainsWhatIsExpected(String variable, String value, String message) {
    // Operators see these words (docs/OPERATIONS.md), so they are pinned exactly.
    assertThatThrownBy(() -> RosterConfig.from(Map.of(variable, value)))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessage(message);
  }

  @Test
  void from_tlsCertWithoutKey_namesTheMissingVariable(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "x");

    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_TLS_CERT_FILE", cert.toString())))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessage("ROSTER_TLS_KEY_FILE=(unset) is not valid: expected both ROSTER_TLS_CERT_FILE"
            + " and ROSTER_TLS_KEY_FILE, or neither");
    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_TLS_CLIENT_CA_FILE", cert.toString())))
        .hasMessage("ROSTER_TLS_CLIENT_CA_FILE=" + cert + " is not valid: expected only together"
            + " with ROSTER_TLS_CERT_FILE and ROSTER_TLS_KEY_FILE");
  }

  @Test
  void from_everyGroup_readsItsVariables() {
    RosterConfig c = RosterConfig.from(Map.of("ROSTER_ROLE", "Worker", "ROSTER_QUEUES", "a=2, b-c=3",
        "ROSTER_SMTP_STARTTLS", "no", "ROSTER_RATE_LIMIT_BURST", "7", "ROSTER_KEEPALIVE_TIME", "2h",
        "ROSTER_JOB_PRUNE_AFTER", "3d", "ROSTER_PAGE_TOKEN_KEYS",
        "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=, MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDI="));

    assertThat(c.jobs().role()).isEqualTo(RosterConfig.Role.WORKER);
    assertThat(c.jobs().queues()).containsExactlyInAnyOrderEntriesOf(Map.of("a", 2, "b-c", 3));
    assertThat(c.jobs().pruneAfter()).isEqualTo(Duration.ofDays(3));
    assertThat(c.mail().startTls()).isFalse();
    assertThat(c.security().rateLimitBurst()).isEqualTo(7);
    assertThat(c.limits().keepAliveTime()).isEqualTo(Duration.ofHours(2));
    assertThat(c.pageTokenKeys()).hasSize(2).allMatch(k -> !k.startsWith(" "));
    assertThat(c.tls()).isEmpty();
  }

  @Test
  void from_exports_defaultsAndOverrides() {
    RosterConfig defaults = RosterConfig.from(Map.of());
    assertThat(defaults.exports().maxActivePerOrganization()).isEqualTo(2);
    assertThat(defaults.exports().retention()).isEqualTo(Duration.ofDays(7));

    RosterConfig c = RosterConfig.from(Map.of("ROSTER_MAX_ACTIVE_EXPORTS_PER_ORGANIZATION", "5",
        "ROSTER_EXPORT_RETENTION", "36h"));
    assertThat(c.exports().maxActivePerOrganization()).isEqualTo(5);
    assertThat(c.exports().retention()).isEqualTo(Duration.ofHours(36));
    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_MAX_ACTIVE_EXPORTS_PER_ORGANIZATION", "0")))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageStartingWith("ROSTER_MAX_ACTIVE_EXPORTS_PER_ORGANIZATION=0");
    assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_EXPORT_RETENTION", "0s")))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageStartingWith("ROSTER_EXPORT_RETENTION=0s");
  }

  @Test
  void from_databaseUrl_isTrimmedAndKept() {
    RosterConfig c = RosterConfig.from(Map.of("ROSTER_DATABASE_URL", " jdbc:postgresql://db/roster "));
    assertThat(c.databaseUrl()).contains("jdbc:postgresql://db/roster");
  }
}
