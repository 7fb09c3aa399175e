package dev.roster.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.jobs.Job;
import dev.roster.jobs.JobQueue;
import dev.roster.jobs.JobRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and alerting rules under ops/ against a real server: promtool accepts the rules,
 * their unit tests prove each alert fires, the server's scrape passes promtool's lint, and every
 * metric the dashboard and rules query is in the scrape of a server that has served calls, run
 * jobs (one completed, one failed and retried) and rescued one, so the files cannot drift from the
 * code unnoticed.
 */
class OpsFilesTest {
  private static final Path OPS = Path.of("..", "ops").toAbsolutePath().normalize();
  private static final Path DASHBOARD = OPS.resolve("grafana/roster.json");
  private static final Path RULES = OPS.resolve("prometheus/roster-alerts.yml");
  private static final Path RULE_TESTS = OPS.resolve("prometheus/roster-alerts.test.yml");
  /** The metric families the files may use; label names (grpc_method, pool_name) do not match. */
  private static final Pattern METRIC = Pattern.compile(
      "(?<![A-Za-z0-9_])((?:grpc_server_|db_client_|roster_)[a-z0-9_]+)");
  private static final String PARKED_QUEUE = "ops-test-" + UUID.randomUUID();
  private static final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private static TestServer server;
  private static JobQueue jobs;
  private static Job rescued;
  private static Job parked;
  private static String text;

  @BeforeAll
  static void serveCallsAndRunJobs() throws Exception {
    // With per-organization counters on, so the dashboard's panel of them has its metrics.
    server = TestServer.start(Map.of("ROSTER_METRICS_TOP_ORGANIZATIONS", "2"));
    Organization org = server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("ops"))).build());
    server.accounts().getOrganization(
        GetOrganizationRequest.newBuilder().setName(org.getName()).build());
    assertThatThrownBy(() -> server.accounts("not-a-key-0123456789").getOrganization(
        GetOrganizationRequest.newBuilder().setName(org.getName()).build()))
        .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("UNAUTHENTICATED");
    // A welcome email: a job that completes.
    server.accounts().createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("ada")).setEmail(Fixtures.email("ada"))
            .setDisplayName("Ada")).build());
    jobs = new JobQueue(TestDatabase.database().jdbi());
    // A kind no node handles, on a queue the server runs: it fails and is scheduled again.
    Job failing = jobs.enqueue(JobRequest.of("ops.test.unhandled", "{}").withMaxAttempts(3));
    // A job due in a queue no worker runs: the backlog and its age have something to show.
    parked = jobs.enqueue(JobRequest.of("ops.test.parked", "{}").withQueue(PARKED_QUEUE));
    // A job "running" on a node that never beat, in a queue no worker runs: the server rescues it.
    rescued = jobs.enqueue(JobRequest.of("ops.test.rescued", "{}").withQueue(PARKED_QUEUE));
    TestDatabase.database().jdbi().useHandle(h -> h.createUpdate("""
            update jobs set state = 'executing', attempt = 1, attempted_at = now(),
                            attempted_by = 'ops-test-dead-node'
            where id = :id""").bind("id", rescued.id()).execute());
    Await.until("a completed and a retried job run, and a rescue, in the scrape", () -> {
      text = scrape();
      return text.contains("outcome=\"completed\"") && text.contains("outcome=\"retryable\"")
          && text.contains("roster_jobs_rescued_total{") && text.contains("roster_jobs_retries_total{")
          && text.contains("roster_jobs_oldest_due_age_seconds{");
    });
    jobs.cancel(failing.id());
    text = scrape();
  }

  @AfterAll
  static void stop() throws Exception {
    for (Job job : new Job[] {rescued, parked}) {
      if (job != null) {
        jobs.cancel(job.id());
      }
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void jobMetrics_byKindAndOutcome() {
    assertThat(sample("roster_jobs_run_duration_seconds_count", "job_kind=\"ops.test.unhandled\"",
        "outcome=\"retryable\"")).isGreaterThanOrEqualTo(1);
    assertThat(sample("roster_jobs_retries_total", "job_kind=\"ops.test.unhandled\""))
        .isGreaterThanOrEqualTo(1);
    assertThat(sample("roster_jobs_rescued_total", "job_kind=\"ops.test.rescued\"",
        "queue=\"" + PARKED_QUEUE + "\"")).isEqualTo(1);
    Matcher completed = Pattern.compile("^roster_jobs_run_duration_seconds_count\\{[^}]*"
        + "outcome=\"completed\"[^}]*} (\\S+)$", Pattern.MULTILINE).matcher(text);
    assertThat(completed.find()).as(text).isTrue();
    assertThat(Double.parseDouble(completed.group(1))).isGreaterThanOrEqualTo(1);
  }

  @Test
  void poolTimings_byPool() {
    for (String pool : new String[] {"roster-api", "roster-auth", "roster-jobs"}) {
      String label = "pool_name=\"" + pool + "\"";
      assertThat(sample("db_client_connections_wait_time_seconds_count", label)).as(pool)
          .isPositive();
      assertThat(sample("db_client_connections_use_time_seconds_count", label)).as(pool)
          .isPositive();
      assertThat(sample("db_client_connections_create_time_seconds_count", label)).as(pool)
          .isPositive();
      assertThat(sample("db_client_connections_timeouts_total", label)).as(pool).isZero();
    }
  }

  @Test
  void dashboardAndRules_useOnlyMetricsTheServerExports() throws IOException {
    Set<String> exported = new TreeSet<>();
    Matcher sampleName = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE)
        .matcher(text);
    while (sampleName.find()) {
      exported.add(sampleName.group(1));
    }
    for (Path file : new Path[] {DASHBOARD, RULES, RULE_TESTS}) {
      Set<String> used = new TreeSet<>();
      Matcher m = METRIC.matcher(Files.readString(file));
      while (m.find()) {
        used.add(m.group(1));
      }
      if (file != RULE_TESTS) {
        assertThat(used).as("metrics queried by %s", file.getFileName()).isNotEmpty();
      }
      assertThat(exported).as("the scrape has every metric %s uses", file.getFileName())
          .containsAll(used);
    }
  }

  @Test
  void rules_passPromtoolCheckRules() throws Exception {
    Promtool.require();
    Promtool.Result result = Promtool.run(null, "check", "rules", RULES.toString());
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS");
  }

  @Test
  void rules_everyAlertFiresInPromtoolTestRules() throws Exception {
    Promtool.require();
    Promtool.Result result = Promtool.run(null, "test", "rules", RULE_TESTS.toString());
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(result.output()).contains("SUCCESS");
    // Every alert the rules define has a test case that expects it to fire.
    Set<String> alerts = names(Files.readString(RULES), "(?m)^\\s*- alert:\\s*(\\S+)");
    Set<String> tested = new TreeSet<>();
    for (String check : Files.readString(RULE_TESTS).split("- eval_time:")) {
      // A check that expects alerts (exp_alerts followed by an entry, not "exp_alerts: []").
      if (Pattern.compile("exp_alerts:\\s*\\n\\s*- ").matcher(check).find()) {
        tested.addAll(names(check, "alertname:\\s*(\\S+)"));
      }
    }
    assertThat(alerts).isNotEmpty();
    assertThat(tested).as("alerts with a firing test case").containsAll(alerts);
  }

  @Test
  void scrape_passesPromtoolCheckMetrics() throws Exception {
    Promtool.require();
    Path file = Files.createTempFile("roster-ops-metrics", ".txt");
    try {
      Files.writeString(file, text);
      Promtool.Result result = Promtool.run(file, "check", "metrics");
      assertThat(result.exit()).as(result.output()).isZero();
      assertThat(result.output()).as("promtool's lint").isBlank();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Set<String> names(String text, String regex) {
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile(regex).matcher(text);
    while (m.find()) {
      if (m.group(1) != null) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** The value of the one sample of {@code name} whose labels include all of {@code labels}. */
  private static double sample(String name, String... labels) {
    Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$",
        Pattern.MULTILINE).matcher(text);
    while (m.find()) {
      boolean all = true;
      for (String label : labels) {
        all &= ("," + m.group(1) + ",").contains("," + label + ",");
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no " + name + " with " + String.join(",", labels) + " in:\n" + text);
  }

  private static String scrape() {
    try {
      return http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
