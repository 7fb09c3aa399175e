package dev.roster.observability;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import dev.roster.jobs.JobQueue;
import dev.roster.jobs.QueueCount;
import dev.roster.platform.db.DatabasePools;
import dev.roster.platform.db.DatabasePools.PoolStats;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Roster's metrics, kept by the OpenTelemetry SDK and rendered for Prometheus on demand
 * ({@link #scrape}) by the official exporter's {@link PrometheusMetricReader} (a pull-only reader:
 * nothing is collected between scrapes) and client_java's text format writer: gRPC's own server
 * metrics (gRFC A66), the database pools, the job queue's backlog and the calls refused by the
 * protections. docs/OPERATIONS.md lists every metric.
 *
 * <p>The observable ones (pools, jobs) are read when a scrape asks, on the scrape's thread; the job
 * backlog is one SQL statement with a short timeout, cached for {@link #BACKLOG_TTL} so frequent
 * scrapes cannot load the database. No metric has a user label; only the opt-in per-organization
 * counters ({@link #organizationCalls}) have an organization label, for a bounded set.
 */
public final class Metrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Metrics.class);
  /** How long one read of the job backlog is reused. */
  public static final Duration BACKLOG_TTL = Duration.ofSeconds(5);
  private static final Duration BACKLOG_TIMEOUT = Duration.ofSeconds(1);
  private static final AttributeKey<String> POOL = AttributeKey.stringKey("pool.name");
  private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
  private static final AttributeKey<String> QUEUE = AttributeKey.stringKey("queue");

  /** Renders the text format 0.0.4, without the optional {@code _created} series. */
  private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();

  /**
   * Without {@code target_info}: the exporter writes it with no HELP line, which promtool's lint
   * rejects, and it would only repeat the SDK's resource (service and SDK names), not Roster's.
   * Every series keeps the exporter's {@code otel_scope_name} and {@code otel_scope_version}.
   */
  private final PrometheusMetricReader reader = PrometheusMetricReader.builder()
      .setTargetInfoMetricEnabled(false).build();
  private final SdkMeterProvider meterProvider;
  private final OpenTelemetrySdk sdk;
  private final Meter meter;
  private final PoolTimings poolTimings;
  private final OrganizationCalls organizationCalls;

  /** Metrics without per-organization counters. */
  public Metrics() {
    this(0);
  }

  /**
   * Metrics with per-organization call counters for the {@code topOrganizations} busiest
   * organizations ({@link #organizationCalls}); none when 0.
   */
  public Metrics(int topOrganizations) {
    meterProvider = SdkMeterProvider.builder().registerMetricReader(reader).build();
    sdk = OpenTelemetrySdk.builder().setMeterProvider(meterProvider).build();
    meter = sdk.getMeter("dev.roster");
    poolTimings = new PoolTimings(meter);
    organizationCalls = topOrganizations > 0 ? new OrganizationCalls(meter, topOrganizations) : null;
  }

  /**
   * HikariCP's metrics hook for every pool: connection wait (acquire), use and creation times and
   * acquire timeouts, by pool. Give it to the pools as they open.
   */
  public MetricsTrackerFactory poolTimings() {
    return poolTimings;
  }

  /**
   * The meter for instruments kept outside this package (the job workers' run times, retries and
   * rescues), exported with the rest.
   */
  public Meter meter() {
    return meter;
  }

  /**
   * The interceptor that counts calls and refused calls per organization for the busiest ones
   * only (empty when configured off); install it outside authentication, beside
   * {@link #refusals}.
   */
  public Optional<ServerInterceptor> organizationCalls() {
    return Optional.ofNullable(organizationCalls);
  }

  /**
   * Installs grpc-java's OpenTelemetry metrics on {@code builder}: {@code grpc.server.call.started},
   * {@code grpc.server.call.duration} and the sent and received message sizes, by method and status.
   * Methods the server does not register are all labelled {@code other} by grpc-java, so a caller
   * cannot mint labels.
   */
  public void instrument(ServerBuilder<?> builder) {
    GrpcOpenTelemetry.newBuilder().sdk(sdk).build().configureServerBuilder(builder);
  }

  /**
   * The interceptor that counts calls refused by a protection (rate limits, bulkheads, shedding,
   * authentication), by their {@code ErrorInfo} reason; install it outermost.
   */
  public ServerInterceptor refusals() {
    return new Refusals(meter);
  }

  /**
   * Connections of each of {@code pools}: used, idle, pending requests and maximum, under the names
   * OpenTelemetry's HikariCP instrumentation uses ({@code db.client.connections.*}); the newer
   * semantic-convention name {@code db.client.connection.count} would end in {@code _count} in
   * Prometheus, which promtool rejects for a gauge.
   */
  public void observe(DatabasePools pools) {
    meter.upDownCounterBuilder("db.client.connections.usage").setUnit("{connection}")
        .setDescription("Connections of each pool, by state (used, idle)")
        .buildWithCallback(m -> pools.stats().forEach((pool, s) -> {
          m.record(s.active(), Attributes.of(POOL, pool.poolName(), STATE, "used"));
          m.record(s.idle(), Attributes.of(POOL, pool.poolName(), STATE, "idle"));
        }));
    poolGauge(pools, "db.client.connections.max", "{connection}",
        "The most connections each pool may open", PoolStats::max);
    poolGauge(pools, "db.client.connections.pending_requests", "{request}",
        "Threads waiting for a connection of each pool", PoolStats::pending);
  }

  private void poolGauge(DatabasePools pools, String name, String unit, String description,
      ToIntFunction<PoolStats> value) {
    meter.upDownCounterBuilder(name).setUnit(unit).setDescription(description)
        .buildWithCallback(m -> pools.stats().forEach((pool, s) ->
            m.record(value.applyAsInt(s), Attributes.of(POOL, pool.poolName()))));
  }

  /** Unfinished jobs by queue and state, and the age of each queue's oldest due job. */
  public void observe(JobQueue jobs) {
    Cached<JobQueue.Backlog> backlog = new Cached<>(BACKLOG_TTL, () -> {
      try {
        return jobs.backlog(BACKLOG_TIMEOUT);
      } catch (RuntimeException e) {
        // The database is down or slow: report nothing rather than stale numbers.
        log.debug("could not read the job backlog for metrics: {}", e.toString());
        return null;
      }
    });
    meter.upDownCounterBuilder("roster.jobs").setUnit("{job}")
        .setDescription("Unfinished jobs by queue and state (available, scheduled, retryable,"
            + " executing)")
        .buildWithCallback(m -> {
          JobQueue.Backlog b = backlog.get();
          if (b != null) {
            for (QueueCount c : b.counts()) {
              record(m, c);
            }
          }
        });
    meter.gaugeBuilder("roster.jobs.oldest_due.age").setUnit("s")
        .setDescription("Age of the oldest job of each queue that is due and not yet claimed")
        .buildWithCallback(m -> {
          JobQueue.Backlog b = backlog.get();
          if (b != null) {
            b.oldestDue().forEach((queue, age) ->
                m.record(age.toMillis() / 1000.0, Attributes.of(QUEUE, queue)));
          }
        });
  }

  private static void record(ObservableLongMeasurement m, QueueCount c) {
    m.record(c.count(), Attributes.of(QUEUE, c.queue(),
        STATE, c.state().name().toLowerCase(Locale.ROOT)));
  }

  /** Every metric now, in the Prometheus text format (0.0.4). Runs the observable callbacks. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
    try {
      TEXT.write(out, reader.collect());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not thrown by a ByteArrayOutputStream
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The {@code Content-Type} of {@link #scrape}'s text. */
  public static String contentType() {
    return TEXT.getContentType();
  }

  @Override
  public void close() {
    sdk.close();
  }
}
