package dev.roster.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.config.RosterConfig;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestServer;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Per-organization call counters of a real server (ROSTER_METRICS_TOP_ORGANIZATIONS), over real
 * gRPC with organization keys, read from the real /metrics: only the busiest organizations get a
 * label, the rest add up under "other".
 */
class OrganizationCallsTest {
  private static final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void topTwo_ofFourOrganizations_labelsExactlyTheTwoBusiest_andTheRestAsOther() throws Exception {
    // An organization's burst of 10 with almost no refill, so the busiest one is also refused.
    try (TestServer server = TestServer.start(Map.of("ROSTER_METRICS_TOP_ORGANIZATIONS", "2",
        "ROSTER_ORGANIZATION_RATE_LIMIT_PER_SECOND", "1",
        "ROSTER_ORGANIZATION_RATE_LIMIT_BURST", "10"))) {
      Organization busiest = org(server);
      Organization busy = org(server);
      Organization quiet = org(server);
      Organization quietest = org(server);
      int refused = calls(server, busiest, 20);
      assertThat(refused).as("calls of the busiest refused by its rate limit").isPositive();
      assertThat(calls(server, busy, 6)).isZero();
      assertThat(calls(server, quiet, 2)).isZero();
      assertThat(calls(server, quietest, 1)).isZero();

      String text = scrape(server);
      Map<String, Double> calls = byOrganization(text, "roster_organization_calls_total");
      assertThat(calls).containsOnlyKeys(id(busiest), id(busy), "other");
      assertThat(calls.get(id(busiest))).isEqualTo(20);
      assertThat(calls.get(id(busy))).isEqualTo(6);
      assertThat(calls.get("other")).isEqualTo(3);
      Map<String, Double> refusals = byOrganization(text, "roster_organization_calls_refused_total");
      assertThat(refusals).containsOnlyKeys(id(busiest), id(busy), "other");
      assertThat(refusals.get(id(busiest))).isEqualTo(refused);
      assertThat(refusals.get(id(busy))).isZero();
      assertThat(refusals.get("other")).isZero();
      // Organization ids only: never a user, a key or a resource name.
      assertThat(text).doesNotContain("organizations/").doesNotContain("user=");
    }
  }

  @Test
  void config_topOrganizations_isOffByDefault_andBounded() {
    assertThat(RosterConfig.from(Map.of()).metricsTopOrganizations()).isZero();
    assertThat(RosterConfig.from(Map.of("ROSTER_METRICS_TOP_ORGANIZATIONS", "100"))
        .metricsTopOrganizations()).isEqualTo(100);
    for (String bad : new String[] {"101", "-1", "ten"}) {
      assertThatThrownBy(() -> RosterConfig.from(Map.of("ROSTER_METRICS_TOP_ORGANIZATIONS", bad)))
          .as(bad).isInstanceOf(RosterConfig.InvalidConfigException.class)
          .hasMessageContaining("ROSTER_METRICS_TOP_ORGANIZATIONS");
    }
  }

  @Test
  void off_metricsHaveNoPerOrganizationSeries() {
    try (Metrics metrics = new Metrics(0)) {
      assertThat(metrics.organizationCalls()).isEmpty();
      assertThat(metrics.scrape()).doesNotContain("roster_organization_calls");
    }
  }

  private static Organization org(TestServer server) {
    return server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("top"))).build());
  }

  /** Makes {@code n} reads of {@code org} with a key of its own; returns how many were refused. */
  private static int calls(TestServer server, Organization org, int n) {
    String key = server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(org.getName())
        .setApiKey(ApiKey.newBuilder().addScopes(ApiKey.Scope.ACCOUNTS_READ)).build()).getSecret();
    int refused = 0;
    for (int i = 0; i < n; i++) {
      try {
        server.accounts(key).getOrganization(
            GetOrganizationRequest.newBuilder().setName(org.getName()).build());
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode().name()).isEqualTo("RESOURCE_EXHAUSTED");
        refused++;
      }
    }
    return refused;
  }

  private static String id(Organization org) {
    return org.getName().substring("organizations/".length());
  }

  private static Map<String, Double> byOrganization(String text, String name) {
    Map<String, Double> values = new TreeMap<>();
    Matcher m = Pattern.compile("^" + Pattern.quote(name)
        + "\\{(?:[^}]*,)?organization=\"([^\"]+)\"[^}]*} (\\S+)$", Pattern.MULTILINE).matcher(text);
    while (m.find()) {
      values.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return values;
  }

  private static String scrape(TestServer server) throws Exception {
    return http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
