package dev.roster.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ROSTER_METRICS_ENABLED=false} on a real server: calls (and their refusals) still work,
 * health still answers, and nothing is kept for a scrape: {@code /metrics} is 404, not an empty
 * 200 a scraper would take for a healthy target.
 */
class MetricsDisabledTest {
  private static final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void metricsOff_callsStillServed_metricsEndpoint404_probesStill200() throws Exception {
    try (TestServer server = TestServer.start(Map.of("ROSTER_METRICS_ENABLED", "false"))) {
      Organization org = server.accounts().createOrganization(CreateOrganizationRequest
          .newBuilder().setOrganization(Organization.newBuilder()
              .setSlug(Fixtures.slug("nometrics"))).build());
      assertThat(server.accounts().getOrganization(GetOrganizationRequest.newBuilder()
          .setName(org.getName()).build()).getName()).isEqualTo(org.getName());
      // A refusal leaves as before, though no interceptor counts it.
      assertThatThrownBy(() -> server.accounts("not-a-key-0123456789").getOrganization(
          GetOrganizationRequest.newBuilder().setName(org.getName()).build()))
          .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("UNAUTHENTICATED");

      HttpResponse<String> metrics = get(server, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(404);
      assertThat(metrics.body()).contains("ROSTER_METRICS_ENABLED=false")
          .doesNotContain("grpc_server_call").doesNotContain("roster_calls_refused");
      assertThat(get(server, "/livez").statusCode()).isEqualTo(200);
      assertThat(get(server, "/readyz").statusCode()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> get(TestServer server, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.adminPort() + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
