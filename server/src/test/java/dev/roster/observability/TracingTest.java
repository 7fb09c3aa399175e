package dev.roster.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.proto.accounts.v1.AccountsServiceGrpc.AccountsServiceBlockingStub;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestServer;
import io.grpc.Metadata;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Traces end to end: a real server over a real gRPC channel into PostgreSQL, its spans caught by
 * an in-memory exporter ({@link Tracing#withSpanProcessor}, the test hook of
 * {@link dev.roster.RosterServer.Builder#tracing}).
 */
class TracingTest {
  private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
  private static final AttributeKey<String> QUERY_TEXT = AttributeKey.stringKey("db.query.text");
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

  private static String hex(int chars) {
    StringBuilder s = new StringBuilder();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (s.length() < chars) {
      s.append(Character.forDigit(random.nextInt(16), 16));
    }
    return s.toString();
  }

  /** The admin's stub, with a {@code traceparent} of caller trace {@code traceId}, span {@code spanId}. */
  private static AccountsServiceBlockingStub traced(String traceId, String spanId) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-" + traceId + "-" + spanId + "-01");
    return server.accounts().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static List<SpanData> trace(String traceId) {
    return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
  }

  private static SpanData serverSpan(String traceId, String method) {
    Await.until("the server span of " + method, () -> trace(traceId).stream()
        .anyMatch(s -> s.getKind() == SpanKind.SERVER && method.equals(s.getAttributes().get(RPC_METHOD))));
    return trace(traceId).stream()
        .filter(s -> s.getKind() == SpanKind.SERVER && method.equals(s.getAttributes().get(RPC_METHOD)))
        .findFirst().orElseThrow();
  }

  private static boolean isSql(SpanData span) {
    return span.getAttributes().get(DB_SYSTEM) != null;
  }

  @Test
  void callWithTraceparent_hasServerSpanOfThatTrace_andSqlChildrenWithoutValues() {
    String traceId = hex(32);
    String callerSpan = hex(16);
    AccountsServiceBlockingStub rpc = traced(traceId, callerSpan);
    String handle = Fixtures.slug("traced");
    String email = Fixtures.email("traced");
    Organization org = server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("org"))).build());
    User user = rpc.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(handle).setEmail(email).setDisplayName("Traced"))
        .build());
    rpc.getUser(GetUserRequest.newBuilder().setName(user.getName()).build());
    rpc.listUsers(ListUsersRequest.newBuilder().setParent(org.getName())
        .setFilter("handle = \"" + handle + "\"").build());

    for (String method : List.of("CreateUser", "GetUser", "ListUsers")) {
      SpanData call = serverSpan(traceId, method);
      assertThat(call.getParentSpanId()).as(method).isEqualTo(callerSpan);
      assertThat(call.getName()).isEqualTo("roster.accounts.v1.AccountsService/" + method);
      // The handler's statements ran on the call thread with the server span current.
      List<SpanData> sql = trace(traceId).stream()
          .filter(s -> isSql(s) && s.getParentSpanId().equals(call.getSpanId())).toList();
      assertThat(sql).as("SQL spans of " + method).isNotEmpty();
      assertThat(sql).allSatisfy(s -> {
        assertThat(s.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(s.getName()).matches("[A-Z]+( [a-z_.]+)?");
      });
    }
    assertThat(trace(traceId).stream().filter(TracingTest::isSql).map(SpanData::getName))
        .contains("SELECT users", "INSERT users");
    // Names and attributes carry the statement, never the values bound to it.
    assertThat(trace(traceId)).allSatisfy(s -> {
      assertThat(s.getName()).doesNotContain(handle).doesNotContain(email);
      s.getAttributes().forEach((key, value) -> assertThat(String.valueOf(value))
          .as(s.getName() + " " + key).doesNotContain(handle).doesNotContain(email));
    });
    assertThat(trace(traceId).stream().filter(TracingTest::isSql)
        .map(s -> s.getAttributes().get(QUERY_TEXT))).allSatisfy(text -> assertThat(text).isNotBlank());
  }

  @Test
  void createUsersWelcomeJob_runsInItsOwnTrace_linkedToTheCall() {
    String traceId = hex(32);
    Organization org = server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("org"))).build());
    traced(traceId, hex(16)).createUser(CreateUserRequest.newBuilder().setParent(org.getName())
        .setUser(User.newBuilder().setHandle(Fixtures.slug("linked")).setEmail(Fixtures.email("l")))
        .build());
    SpanData call = serverSpan(traceId, "CreateUser");
    SpanData enqueue = trace(traceId).stream().filter(s -> s.getKind() == SpanKind.PRODUCER)
        .findFirst().orElseThrow();
    assertThat(enqueue.getParentSpanId()).isEqualTo(call.getSpanId());
    assertThat(enqueue.getName()).isEqualTo("send mail");

    Await.until("the welcome job's span", () -> jobSpanLinkedTo(traceId) != null);
    SpanData job = jobSpanLinkedTo(traceId);
    assertThat(job.getName()).isEqualTo("process welcome_email");
    assertThat(job.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(job.getTraceId()).isNotEqualTo(traceId);
    assertThat(job.getParentSpanId()).isEqualTo(SpanId.getInvalid());
    assertThat(job.getLinks()).extracting(l -> l.getSpanContext().getSpanId())
        .containsExactly(enqueue.getSpanId());
    assertThat(job.getAttributes().get(AttributeKey.stringKey("roster.job.kind")))
        .isEqualTo("welcome_email");
    assertThat(job.getAttributes().get(AttributeKey.longKey("roster.job.attempt"))).isEqualTo(1L);
    assertThat(job.getAttributes().get(AttributeKey.stringKey("messaging.message.id"))).isNotBlank();
    // The handler's statements are children of the job span.
    Await.until("the job's SQL spans", () -> trace(job.getTraceId()).stream()
        .anyMatch(s -> isSql(s) && s.getParentSpanId().equals(job.getSpanId())));
  }

  private static SpanData jobSpanLinkedTo(String traceId) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getKind() == SpanKind.CONSUMER)
        .filter(s -> s.getLinks().stream().map(LinkData::getSpanContext)
            .anyMatch(c -> c.getTraceId().equals(traceId)))
        .findFirst().orElse(null);
  }

  @Test
  void callWithoutTraceparent_startsANewTrace() {
    String marker = Fixtures.slug("untraced");
    int before = spans.getFinishedSpanItems().size();
    server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(marker)).build());
    Await.until("the server span", () -> spans.getFinishedSpanItems().stream().skip(before)
        .anyMatch(s -> "CreateOrganization".equals(s.getAttributes().get(RPC_METHOD))));
    SpanData call = spans.getFinishedSpanItems().stream().skip(before)
        .filter(s -> "CreateOrganization".equals(s.getAttributes().get(RPC_METHOD)))
        .findFirst().orElseThrow();
    assertThat(call.getParentSpanContext().isValid()).isFalse();
    assertThat(call.getSpanContext().isValid()).isTrue();
    assertThat(trace(call.getTraceId())).anyMatch(TracingTest::isSql);
  }

  @Test
  void healthChecks_makeNoSpans() {
    String traceId = hex(32);
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-" + traceId + "-" + hex(16) + "-01");
    HealthGrpc.newBlockingStub(server.channel())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .check(HealthCheckRequest.getDefaultInstance());
    // A traced call after it: once its span is in, the health check's would be too.
    traced(traceId, hex(16)).createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("org"))).build());
    serverSpan(traceId, "CreateOrganization");
    assertThat(trace(traceId)).filteredOn(s -> s.getKind() == SpanKind.SERVER)
        .extracting(s -> s.getAttributes().get(RPC_METHOD)).containsExactly("CreateOrganization");
  }

  @Test
  void idleServer_makesNoRootSqlSpans() throws InterruptedException {
    // Several poll intervals (200 ms) and a heartbeat (2 s) of an idle server: claims, heartbeats,
    // counts and health probes run, and none of them has a recording span to be a child of.
    Thread.sleep(Duration.ofMillis(2_500).toMillis());
    assertThat(spans.getFinishedSpanItems()).filteredOn(TracingTest::isSql)
        .allSatisfy(s -> assertThat(s.getParentSpanContext().isValid())
            .as(s.getName() + " has a parent").isTrue());
  }

  @Test
  void exportIsRequestedOnlyByTheStandardVariables() {
    assertThat(Tracing.exportRequested(Map.of())).isFalse();
    assertThat(Tracing.exportRequested(Map.of("OTEL_SERVICE_NAME", "roster"))).isFalse();
    assertThat(Tracing.exportRequested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")))
        .isTrue();
    assertThat(Tracing.exportRequested(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318")))
        .isTrue();
    assertThat(Tracing.exportRequested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
        "OTEL_TRACES_EXPORTER", "none"))).isFalse();
    assertThat(Tracing.exportRequested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
        "OTEL_SDK_DISABLED", "true"))).isFalse();
  }

  @Test
  void withoutVariables_thereIsNoSdk_butWithAnEndpointSpansAreRecorded() {
    try (Tracing off = Tracing.fromEnvironment(Map.of())) {
      assertThat(off.exporting()).isFalse();
      // The no-op API: nothing is recorded, so nothing can be buffered or exported.
      assertThat(off.openTelemetry()).isNotInstanceOf(io.opentelemetry.sdk.OpenTelemetrySdk.class);
      assertThat(off.tracer().spanBuilder("x").startSpan().isRecording()).isFalse();
    }
    try (Tracing on = Tracing.fromEnvironment(Map.of(
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9", "OTEL_TRACES_SAMPLER", "always_on"))) {
      assertThat(on.exporting()).isTrue();
      assertThat(on.openTelemetry()).isInstanceOf(io.opentelemetry.sdk.OpenTelemetrySdk.class);
      assertThat(on.tracer().spanBuilder("x").startSpan().isRecording()).isTrue();
    }
  }
}
