package dev.roster.observability;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Roster's traces: W3C trace context (and baggage) read from every call's metadata, a server span
 * per call, a child span per SQL statement ({@link #sqlSpans}), and the tracer the job queue uses
 * for enqueue and job spans.
 *
 * <p>Spans leave the process only by OTLP, and only when the standard variables ask for it
 * ({@link #exportRequested}); then the OpenTelemetry SDK autoconfiguration reads every {@code OTEL_*}
 * variable as documented (sampler, protocol, headers, service name, resource attributes), with the
 * metrics and logs exporters forced off (metrics are on {@code /metrics}). Otherwise there is no
 * SDK at all: the tracer is a no-op that still carries the caller's trace context, so the current
 * span of a call has the caller's trace id (for logs) while nothing is recorded or buffered.
 */
public final class Tracing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tracing.class);
  /** The instrumentation scope of Roster's own spans (SQL, jobs). */
  public static final String SCOPE = "dev.roster";
  private static final String DEFAULT_SERVICE_NAME = "roster";
  private static final String HEALTH = "grpc.health.v1.Health";
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  private final OpenTelemetry openTelemetry;
  private final OpenTelemetrySdk sdk;
  private final boolean exporting;

  private Tracing(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk, boolean exporting) {
    this.openTelemetry = openTelemetry;
    this.sdk = sdk;
    this.exporting = exporting;
  }

  /** W3C trace context and baggage, the propagators of every {@link Tracing}. */
  public static ContextPropagators w3c() {
    return ContextPropagators.create(TextMapPropagator.composite(
        W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance()));
  }

  /** From this process's environment ({@link #fromEnvironment(Map)}). */
  public static Tracing fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * OTLP export configured from the {@code OTEL_*} entries of {@code env} if it asks for export
   * ({@link #exportRequested}), else {@link #off()}. The entries are handed to the autoconfiguration
   * as its properties, so a test can pass a map; the process's real environment (which the
   * autoconfiguration also reads) has the same entries when {@code env} is {@link System#getenv()}.
   *
   * @throws io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException if an {@code OTEL_*}
   *     value is invalid (an unknown sampler or protocol, say): a start-up error, like a bad
   *     {@code ROSTER_*} value
   */
  public static Tracing fromEnvironment(Map<String, String> env) {
    if (!exportRequested(env)) {
      return off();
    }
    Map<String, String> properties = new HashMap<>();
    env.forEach((name, value) -> {
      if (name.startsWith("OTEL_")) {
        properties.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
      }
    });
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> properties)
        // Metrics are scraped from /metrics; logs go to the log output. Only traces are pushed.
        .addPropertiesCustomizer(config -> Map.of(
            "otel.metrics.exporter", "none", "otel.logs.exporter", "none"))
        .addResourceCustomizer((resource, config) -> named(resource))
        // RosterServer.close() shuts it down after the last call, so the last spans are flushed.
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
    log.info("tracing: exporting spans by OTLP ({})", env.getOrDefault(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", env.get("OTEL_EXPORTER_OTLP_ENDPOINT")));
    return new Tracing(sdk, sdk, true);
  }

  private static Resource named(Resource resource) {
    String name = resource.getAttribute(SERVICE_NAME);
    return name == null || name.startsWith("unknown_service")
        ? resource.merge(Resource.create(Attributes.of(SERVICE_NAME, DEFAULT_SERVICE_NAME)))
        : resource;
  }

  /**
   * Whether {@code env} asks for spans to be exported: an OTLP endpoint is set
   * ({@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}), the SDK is
   * not disabled ({@code OTEL_SDK_DISABLED}) and the traces exporter is not {@code none}.
   */
  public static boolean exportRequested(Map<String, String> env) {
    if ("true".equalsIgnoreCase(env.getOrDefault("OTEL_SDK_DISABLED", "").trim())) {
      return false;
    }
    String exporters = env.getOrDefault("OTEL_TRACES_EXPORTER", "").trim();
    if (!exporters.isEmpty() && Arrays.stream(exporters.split(","))
        .allMatch(e -> e.trim().equalsIgnoreCase("none"))) {
      return false;
    }
    return !env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "").isBlank()
        || !env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").isBlank();
  }

  /**
   * No SDK, nothing recorded or buffered: W3C propagation only, so a call's current span is the
   * caller's (non-recording) span context.
   */
  public static Tracing off() {
    return new Tracing(OpenTelemetry.propagating(w3c()), null, false);
  }

  /**
   * Every span sampled and handed to {@code processor} (tests pass a {@code SimpleSpanProcessor}
   * over an in-memory exporter). {@link #close} shuts the processor down.
   */
  public static Tracing withSpanProcessor(SpanProcessor processor) {
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .setResource(named(Resource.getDefault()))
            .addSpanProcessor(Objects.requireNonNull(processor, "processor"))
            .build())
        .setPropagators(w3c())
        .build();
    return new Tracing(sdk, sdk, false);
  }

  /** The API the instrumentation uses (tracer and propagators). */
  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /** The tracer of Roster's own spans (SQL statements, enqueue, jobs). */
  public Tracer tracer() {
    return openTelemetry.getTracer(SCOPE);
  }

  /** Whether spans are exported by OTLP (the environment asked for it). */
  public boolean exporting() {
    return exporting;
  }

  /**
   * The interceptor that reads {@code traceparent}/{@code baggage} from a call's metadata and
   * opens its server span (OpenTelemetry's gRPC instrumentation, semantic-convention names and
   * attributes), current on whichever thread runs the call's listener. Per-message events are
   * off: they cost per message and say little for unary calls. Health checks get no span: a
   * probe every few seconds per replica would bury the traces worth reading.
   */
  public ServerInterceptor serverInterceptor() {
    ServerInterceptor traced = GrpcTelemetry.builder(openTelemetry).setEmitMessageEvents(false)
        .build().createServerInterceptor();
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return HEALTH.equals(call.getMethodDescriptor().getServiceName())
            ? next.startCall(call, headers)
            : traced.interceptCall(call, headers, next);
      }
    };
  }

  /**
   * A Jdbi customizer that opens a span per statement as a child of the current span, named by the
   * statement's operation and table, with the parameterised SQL (no bound values); only when the
   * current span is recording, so job polling, health and untraced work make none.
   *
   * @param pool the pool's name, recorded on each span
   */
  public StatementCustomizer sqlSpans(String pool) {
    return new SqlSpans(tracer(), pool);
  }

  /** Flushes what is buffered (at most a few seconds) and stops exporting. */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown().join(5, TimeUnit.SECONDS);
    }
  }
}
