package dev.roster.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.jobs.Job;
import dev.roster.jobs.JobQueue;
import dev.roster.jobs.JobRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin port of a real server, over real HTTP on 127.0.0.1, after real gRPC calls. */
class MetricsEndpointTest {
  private static final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final String QUEUE = "metrics-test-" + UUID.randomUUID();
  private static TestServer server;
  private static JobQueue jobs;
  private static Job parked;
  private static String text;

  @BeforeAll
  static void callsThenScrape() throws Exception {
    server = TestServer.start(Map.of());
    Organization org = server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("metrics"))).build());
    server.accounts().getOrganization(
        GetOrganizationRequest.newBuilder().setName(org.getName()).build());
    assertThatThrownBy(() -> server.accounts().getOrganization(GetOrganizationRequest.newBuilder()
        .setName("organizations/" + UUID.randomUUID()).build()))
        .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("NOT_FOUND");
    assertThatThrownBy(() -> server.accounts("not-a-key-0123456789").getOrganization(
        GetOrganizationRequest.newBuilder().setName(org.getName()).build()))
        .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("UNAUTHENTICATED");
    // A job in a queue no worker runs, so the backlog has something to show.
    jobs = new JobQueue(TestDatabase.database().jdbi());
    parked = jobs.enqueue(JobRequest.of("metrics.noop", "{}").withQueue(QUEUE));
    text = get("/metrics").body();
  }

  @AfterAll
  static void stop() throws Exception {
    if (parked != null) {
      jobs.cancel(parked.id());
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void metrics_afterCalls_haveTheGrpcDurationHistogramByMethodAndStatus() {
    assertThat(text).contains("# TYPE grpc_server_call_duration_seconds histogram");
    assertThat(sample("grpc_server_call_duration_seconds_count",
        "grpc_method=\"roster.accounts.v1.AccountsService/GetOrganization\"",
        "grpc_status=\"OK\"")).isGreaterThanOrEqualTo(1);
    assertThat(sample("grpc_server_call_duration_seconds_count",
        "grpc_method=\"roster.accounts.v1.AccountsService/GetOrganization\"",
        "grpc_status=\"NOT_FOUND\"")).isGreaterThanOrEqualTo(1);
    assertThat(sample("grpc_server_call_started_total",
        "grpc_method=\"roster.accounts.v1.AccountsService/CreateOrganization\""))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void metrics_pools_havePlausibleConnectionCounts() {
    for (String pool : new String[] {"roster-api", "roster-auth", "roster-jobs"}) {
      String label = "pool_name=\"" + pool + "\"";
      double max = sample("db_client_connections_max", label);
      double used = sample("db_client_connections_usage", label, "state=\"used\"");
      double idle = sample("db_client_connections_usage", label, "state=\"idle\"");
      assertThat(max).as(pool).isPositive();
      assertThat(used).as(pool).isBetween(0.0, max);
      assertThat(idle).as(pool).isBetween(0.0, max);
      assertThat(sample("db_client_connections_pending_requests", label)).isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  void metrics_jobQueue_countsTheParkedJobAndItsAge() {
    String queue = "queue=\"" + QUEUE + "\"";
    assertThat(sample("roster_jobs", queue, "state=\"available\"")).isEqualTo(1);
    assertThat(sample("roster_jobs_oldest_due_age_seconds", queue)).isGreaterThanOrEqualTo(0);
  }

  @Test
  void metrics_refusals_countAuthenticationFailuresByReason() {
    // Labels are sorted: grpc_status, otel_scope_name (the exporter's), reason.
    Matcher m = Pattern.compile("^roster_calls_refused_total\\{grpc_status=\"UNAUTHENTICATED\","
        + "(?:[^}]*,)?reason=\"[A-Z_]+\"} (\\S+)$", Pattern.MULTILINE).matcher(text);
    assertThat(m.find()).as(text).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isPositive();
  }

  @Test
  void metrics_haveNoOrganizationOrUserLabels() {
    assertThat(text).doesNotContain("organization=").doesNotContain("user=")
        .doesNotContain("organizations/");
  }

  @Test
  void livezAndReadyz_whileServing_ok() throws Exception {
    assertThat(get("/livez").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
    assertThat(get("/metrics").headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/plain; version=0.0.4");
  }

  @Test
  void readyz_whenNotServing_503() throws Exception {
    try (Metrics metrics = new Metrics();
         AdminServer admin = AdminServer.start(0, metrics, () -> false)) {
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + admin.port() + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(503);
    }
  }

  @Test
  void metrics_passPromtoolCheckMetrics() throws Exception {
    Promtool.require();
    Path file = Files.createTempFile("roster-metrics", ".txt");
    Files.writeString(file, text);
    Process promtool = new ProcessBuilder("sh", "-c", "promtool check metrics < " + file)
        .redirectErrorStream(true).start();
    assertThat(promtool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(promtool.exitValue()).as(output).isZero();
    assertThat(output).as("promtool's lint").isBlank();
  }

  /** The value of the one sample of {@code name} whose labels include all of {@code labels}. */
  private static double sample(String name, String... labels) {
    Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$",
        Pattern.MULTILINE);
    Matcher m = line.matcher(text);
    while (m.find()) {
      String found = m.group(1);
      boolean all = true;
      for (String label : labels) {
        all &= ("," + found + ",").contains("," + label + ",");
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no " + name + " with " + String.join(",", labels) + " in:\n" + text);
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.adminPort() + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
