package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.observability.Tracing;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.Await;
import dev.roster.testing.TestServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK carries the caller's trace context: against a real server whose spans an in-memory
 * exporter catches, a call made inside a span yields a server span of that trace, child of it.
 */
class TracePropagationTest {
  private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  private static final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.builder()
        .tracing(Tracing.withSpanProcessor(SimpleSpanProcessor.create(spans)))
        .start();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  private static RosterClient.Builder client() {
    return RosterClient.newBuilder().target("127.0.0.1:" + server.port())
        .apiKey(TestServer.ADMIN_KEY);
  }

  private static Span callerSpan() {
    String hex = UUID.randomUUID().toString().replace("-", "");
    return Span.wrap(SpanContext.create(hex, hex.substring(0, 16), TraceFlags.getSampled(),
        TraceState.getDefault()));
  }

  private static Organization newOrganization() {
    return Organization.newBuilder().setSlug("trace-" + Long.toString(System.nanoTime(), 36))
        .build();
  }

  private static List<SpanData> serverSpans(String traceId) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(traceId)).toList();
  }

  @Test
  void callsInsideASpan_joinItsTrace_blockingAndAsync() throws Exception {
    Span caller = callerSpan();
    String traceId = caller.getSpanContext().getTraceId();
    try (RosterClient roster = client().build()) {
      Organization org;
      try (Scope ignored = caller.makeCurrent()) {
        org = roster.organizations().create(newOrganization());
      }
      // The async call starts here, outside the span: only what was current at the call counts.
      var async = roster.organizations().createAsync(
          dev.roster.proto.accounts.v1.CreateOrganizationRequest.newBuilder()
              .setOrganization(newOrganization()).build());
      async.get();
      try (Scope ignored = caller.makeCurrent()) {
        roster.organizations().getAsync(dev.roster.proto.accounts.v1.GetOrganizationRequest
            .newBuilder().setName(org.getName()).build()).get();
      }
    }
    Await.until("the server spans", () -> serverSpans(traceId).size() == 2);
    assertThat(serverSpans(traceId)).allSatisfy(s ->
        assertThat(s.getParentSpanId()).isEqualTo(caller.getSpanContext().getSpanId()));
    assertThat(serverSpans(traceId)).extracting(s -> s.getAttributes().get(RPC_METHOD))
        .containsExactlyInAnyOrder("CreateOrganization", "GetOrganization");
  }

  @Test
  void noopPropagators_sendNothing() {
    Span caller = callerSpan();
    String traceId = caller.getSpanContext().getTraceId();
    int before = spans.getFinishedSpanItems().size();
    try (RosterClient roster = client().propagators(ContextPropagators.noop()).build();
        Scope ignored = caller.makeCurrent()) {
      roster.organizations().create(newOrganization());
    }
    Await.until("the server span", () -> spans.getFinishedSpanItems().stream().skip(before)
        .anyMatch(s -> "CreateOrganization".equals(s.getAttributes().get(RPC_METHOD))));
    assertThat(spans.getFinishedSpanItems()).noneMatch(s -> s.getTraceId().equals(traceId));
  }
}
