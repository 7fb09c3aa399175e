package dev.roster.server;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.observability.Logging;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc.AccountsServiceBlockingStub;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.MutableClock;
import dev.roster.testing.TestServer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import net.logstash.logback.encoder.LogstashEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The failed-call log lines of a real server over a real channel, as the production logback.xml
 * writes them (its asynchronous appender and the encoder ROSTER_LOG_FORMAT picks), captured from
 * the console appender's stream. The test JVM's own logging is restored afterwards.
 */
class CallLoggingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BAD_KEY = "rk_bogus-" + UUID.randomUUID() + "-secretish";

  private static final MutableClock clock = MutableClock.startingNow();
  private static TestServer server;
  private static Organization org;
  private static String keySecret;

  private ByteArrayOutputStream out;

  @BeforeAll
  static void start() {
    server = TestServer.builder().clock(clock).start();
    org = server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("logs"))).build());
    keySecret = server.apiKeys(TestServer.ADMIN_KEY).createApiKey(CreateApiKeyRequest.newBuilder()
        .setParent(org.getName()).setApiKey(ApiKey.newBuilder()
            .addScopes(ApiKey.Scope.ACCOUNTS_READ)).build()).getSecret();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void restoreTestLogging() throws Exception {
    LoggerContext context = context();
    context.reset();
    new ContextInitializer(context).autoConfig();
    context.start();
  }

  @Test
  void text_failedCalls_oneLineEachWithMethodCodeReasonAndTraceId() throws Exception {
    useProductionConfig("text", PatternLayoutEncoder.class);
    String notFoundTrace = traceId();
    String unauthenticatedTrace = traceId();
    String okTrace = traceId();

    Failure notFound = failure(() -> accounts(keySecret, notFoundTrace).getUser(missingUser()));
    Failure unauthenticated = failure(() -> accounts(BAD_KEY, unauthenticatedTrace)
        .getUser(missingUser()));
    accounts(keySecret, okTrace).getOrganization(
        GetOrganizationRequest.newBuilder().setName(org.getName()).build());
    List<String> lines = drained();

    List<String> notFoundLines = with(lines, notFoundTrace);
    assertThat(notFoundLines).hasSize(1);
    assertThat(notFoundLines.get(0))
        .contains("INFO", "dev.roster.server.CallLogging", "call failed")
        .contains("method=roster.accounts.v1.AccountsService/GetUser")
        .contains("code=NOT_FOUND", "reason=" + notFound.reason(), "duration_ms=")
        .contains("organization=" + id(org.getName()))
        .endsWith(" trace_id=" + notFoundTrace);
    List<String> unauthenticatedLines = with(lines, unauthenticatedTrace);
    assertThat(unauthenticatedLines).hasSize(1);
    assertThat(unauthenticatedLines.get(0))
        .contains("method=roster.accounts.v1.AccountsService/GetUser")
        .contains("code=UNAUTHENTICATED", "reason=" + unauthenticated.reason())
        .doesNotContain("organization=")
        .endsWith(" trace_id=" + unauthenticatedTrace);
    assertThat(with(lines, okTrace)).as("a successful call logs no line").isEmpty();
    assertNoSecrets(lines);
  }

  @Test
  void json_failedCalls_oneObjectEachWithFields() throws Exception {
    // Any case, as RosterConfig accepts it.
    useProductionConfig("JSON", LogstashEncoder.class);
    String notFoundTrace = traceId();
    String unauthenticatedTrace = traceId();
    String okTrace = traceId();

    Failure notFound = failure(() -> accounts(keySecret, notFoundTrace).getUser(missingUser()));
    Failure unauthenticated = failure(() -> accounts(BAD_KEY, unauthenticatedTrace)
        .getUser(missingUser()));
    accounts(keySecret, okTrace).getOrganization(
        GetOrganizationRequest.newBuilder().setName(org.getName()).build());
    List<String> lines = drained();

    for (String line : lines) {
      assertThat(JSON.readTree(line).isObject()).as("every line is one JSON object: %s", line)
          .isTrue();
    }
    List<String> notFoundLines = with(lines, notFoundTrace);
    assertThat(notFoundLines).hasSize(1);
    JsonNode line = JSON.readTree(notFoundLines.get(0));
    assertThat(line.path("level").asText()).isEqualTo("INFO");
    assertThat(line.path("logger").asText()).isEqualTo("dev.roster.server.CallLogging");
    assertThat(line.path("timestamp").asText()).endsWith("Z");
    assertThat(line.path("thread").asText()).isNotEmpty();
    assertThat(line.path("method").asText()).isEqualTo("roster.accounts.v1.AccountsService/GetUser");
    assertThat(line.path("code").asText()).isEqualTo("NOT_FOUND");
    assertThat(line.path("reason").asText()).isEqualTo(notFound.reason());
    assertThat(line.path("duration_ms").isNumber()).isTrue();
    assertThat(line.path("organization").asText()).isEqualTo(id(org.getName()));
    assertThat(line.path("trace_id").asText()).isEqualTo(notFoundTrace);
    assertThat(line.path("message").asText()).startsWith("call failed");

    List<String> unauthenticatedLines = with(lines, unauthenticatedTrace);
    assertThat(unauthenticatedLines).hasSize(1);
    JsonNode refused = JSON.readTree(unauthenticatedLines.get(0));
    assertThat(refused.path("code").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(refused.path("reason").asText()).isEqualTo(unauthenticated.reason());
    assertThat(refused.path("trace_id").asText()).isEqualTo(unauthenticatedTrace);
    assertThat(refused.has("organization")).isFalse();
    assertThat(with(lines, okTrace)).as("a successful call logs no line").isEmpty();
    assertNoSecrets(lines);
  }

  @Test
  void flood_ofRefusedCalls_isBoundedThenSummarised() throws Exception {
    useProductionConfig("text", PatternLayoutEncoder.class);
    int calls = 3 * CallLogging.LINES_PER_SECOND + 7;
    Map<String, Integer> byReason = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      // No key at all: UNAUTHENTICATED at the door (the brake may turn some into its own reason).
      Failure f = failure(() -> unauthenticatedListUsers(traceId()));
      byReason.merge(f.reason(), 1, Integer::sum);
    }
    List<String> flood = linesOf(drained(), "ListUsers");
    for (Map.Entry<String, Integer> reason : byReason.entrySet()) {
      // The clock stands still: the budget does not refill during the flood.
      assertThat(flood.stream().filter(l -> l.contains("reason=" + reason.getKey())).count())
          .as("lines for %s", reason.getKey())
          .isEqualTo(Math.min(reason.getValue(), CallLogging.LINES_PER_SECOND));
    }
    assertThat(flood).noneMatch(l -> l.contains("suppressed"));

    clock.advance(Duration.ofSeconds(1));
    out.reset();
    Failure last = failure(() -> unauthenticatedListUsers(traceId()));
    List<String> after = linesOf(drained(), "ListUsers");
    int suppressed = byReason.get(last.reason()) - CallLogging.LINES_PER_SECOND;
    assertThat(suppressed).as("the flood went over budget").isPositive();
    assertThat(after).hasSize(2);
    assertThat(after.get(0)).contains("suppressed=" + suppressed + " similar failed-call lines")
        .contains("method=roster.accounts.v1.AccountsService/ListUsers")
        .contains("code=UNAUTHENTICATED", "reason=" + last.reason());
    assertThat(after.get(1)).contains("call failed", "reason=" + last.reason());
  }

  @Test
  void json_unexpectedError_incidentIdOnTheStackTraceAndTheCallLine_mdcClearedAfter()
      throws Exception {
    useProductionConfig("json", LogstashEncoder.class);
    // A handler that logs, then fails unexpectedly, behind the product's error translation.
    AccountsServiceGrpc.AccountsServiceImplBase failing = new AccountsServiceGrpc.AccountsServiceImplBase() {
      @Override
      public void getUser(GetUserRequest request,
          io.grpc.stub.StreamObserver<dev.roster.proto.accounts.v1.User> response) {
        LoggerFactory.getLogger("dev.roster.test.Handler").warn("handler ran");
        throw new IllegalStateException("boom");
      }
    };
    ExecutorService callThread = Executors.newSingleThreadExecutor();
    String name = "call-logging-" + UUID.randomUUID();
    Server inProcess = InProcessServerBuilder.forName(name).executor(callThread)
        .addService(ServerInterceptors.intercept(failing, new ErrorInterceptor()))
        .intercept(new CallLogging(Clock.systemUTC(), System::nanoTime))
        .build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      String trace = traceId();
      Failure internal = failure(() -> AccountsServiceGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(traceparent(trace)))
          .getUser(missingUser()));
      assertThat(internal.code()).isEqualTo(io.grpc.Status.Code.INTERNAL);
      String incident = internal.errorInfo().getMetadataOrThrow("incident");
      List<JsonNode> lines = new java.util.ArrayList<>();
      for (String line : drained()) {
        lines.add(JSON.readTree(line));
      }

      JsonNode handler = only(lines, "dev.roster.test.Handler");
      assertThat(handler.path("trace_id").asText()).isEqualTo(trace);
      assertThat(handler.path("method").asText())
          .isEqualTo("roster.accounts.v1.AccountsService/GetUser");
      JsonNode stack = only(lines, "dev.roster.server.ErrorTranslator");
      assertThat(stack.path("level").asText()).isEqualTo("ERROR");
      assertThat(stack.path("incident_id").asText()).isEqualTo(incident);
      assertThat(stack.path("trace_id").asText()).isEqualTo(trace);
      assertThat(stack.path("stack_trace").asText()).contains("IllegalStateException: boom")
          .contains("\n\tat ".translateEscapes());
      JsonNode call = only(lines, "dev.roster.server.CallLogging");
      assertThat(call.path("level").asText()).isEqualTo("WARN");
      assertThat(call.path("code").asText()).isEqualTo("INTERNAL");
      assertThat(call.path("reason").asText()).isEqualTo("INTERNAL");
      assertThat(call.path("incident_id").asText()).isEqualTo(incident);
      assertThat(call.path("trace_id").asText()).isEqualTo(trace);
      assertThat(callThread.submit(MDC::getCopyOfContextMap).get())
          .as("the call thread's MDC after the call").isNullOrEmpty();
    } finally {
      channel.shutdownNow();
      inProcess.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      callThread.shutdownNow();
    }
  }

  @Test
  void stop_writesOutWhatTheAsyncAppenderHolds() throws Exception {
    useProductionConfig("json", LogstashEncoder.class);
    Logger logger = LoggerFactory.getLogger("dev.roster.test.Flush");
    int lines = 3000;
    for (int i = 0; i < lines; i++) {
      logger.warn("line {}", i);
    }
    Logging.stop();
    String[] written = out.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(Arrays.stream(written).filter(l -> l.contains("dev.roster.test.Flush")).count())
        .isEqualTo(lines);
  }

  // --- helpers --------------------------------------------------------------------------------

  /**
   * Configures logback from the production logback.xml with {@code ROSTER_LOG_FORMAT=format},
   * checks it chose the {@code encoder} and reported nothing (logback prints its status on stdout
   * when a configuration warns, which would break JSON lines), and captures what its console
   * appender writes.
   */
  private void useProductionConfig(String format, Class<?> encoder) throws Exception {
    LoggerContext context = context();
    context.reset();
    context.getStatusManager().clear();
    context.putProperty("ROSTER_LOG_FORMAT", format);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(CallLoggingTest.class.getClassLoader().getResource("logback.xml"));
    // Other servers of this test JVM keep logging while the context is reset; logback warns about
    // a line that arrived between the reset and the new appenders ("No appenders present"). That
    // is this test's doing, not the configuration's: every other warning fails.
    assertThat(context.getStatusManager().getCopyOfStatusList())
        .as("logback's status while configuring")
        .filteredOn(st -> st.getLevel() >= Status.WARN)
        .filteredOn(st -> !String.valueOf(st.getMessage()).startsWith("No appenders present"))
        .isEmpty();
    AsyncAppender async = (AsyncAppender) context.getLogger(Logger.ROOT_LOGGER_NAME)
        .getAppender("ASYNC");
    assertThat(async).as("logback.xml's ASYNC appender").isNotNull();
    assertThat(async.isNeverBlock()).isTrue();
    OutputStreamAppender<?> console = (OutputStreamAppender<?>) async.getAppender("CONSOLE");
    assertThat(console).as("the CONSOLE appender behind ASYNC").isNotNull();
    assertThat(console.getEncoder()).isInstanceOf(encoder);
    out = new ByteArrayOutputStream();
    console.setOutputStream(out);
  }

  /** The lines written once everything logged so far has passed the asynchronous appender. */
  private List<String> drained() {
    String marker = "drained-" + UUID.randomUUID();
    LoggerFactory.getLogger("dev.roster.test.Marker").warn(marker);
    Await.until("the log marker is written", () -> out.toString(StandardCharsets.UTF_8)
        .contains(marker));
    return out.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> !l.contains(marker)).toList();
  }

  private static JsonNode only(List<JsonNode> lines, String logger) {
    List<JsonNode> of = lines.stream().filter(l -> l.path("logger").asText().equals(logger))
        .toList();
    assertThat(of).as("lines of %s", logger).hasSize(1);
    return of.get(0);
  }

  private static List<String> with(List<String> lines, String traceId) {
    return lines.stream().filter(l -> l.contains(traceId) && l.contains("call failed")).toList();
  }

  private static List<String> linesOf(List<String> lines, String method) {
    return lines.stream().filter(l -> l.contains("CallLogging")
        && l.contains("AccountsService/" + method)).toList();
  }

  private void assertNoSecrets(List<String> lines) {
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      assertThat(line).doesNotContain(keySecret).doesNotContain(BAD_KEY)
          .doesNotContain(TestServer.ADMIN_KEY);
    }
  }

  private static AccountsServiceBlockingStub accounts(String key, String traceId) {
    return server.accounts(key).withInterceptors(
        MetadataUtils.newAttachHeadersInterceptor(traceparent(traceId)));
  }

  private static void unauthenticatedListUsers(String traceId) {
    AccountsServiceGrpc.newBlockingStub(server.channel())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(traceparent(traceId)))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .listUsers(ListUsersRequest.newBuilder().setParent(org.getName()).build());
  }

  private static Metadata traceparent(String traceId) {
    Metadata headers = new Metadata();
    headers.put(TRACEPARENT, "00-" + traceId + "-" + hex(16) + "-01");
    return headers;
  }

  private static GetUserRequest missingUser() {
    return GetUserRequest.newBuilder().setName(org.getName() + "/users/" + UUID.randomUUID()).build();
  }

  private static String traceId() {
    return hex(32);
  }

  private static String hex(int digits) {
    StringBuilder s = new StringBuilder();
    while (s.length() < digits) {
      s.append(Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE));
    }
    return s.substring(0, digits);
  }

  private static String id(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  private static LoggerContext context() {
    return (LoggerContext) LoggerFactory.getILoggerFactory();
  }
}
