package dev.roster.jobs;

import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Jdbi;

/**
 * The {@link Workers.Builder} behind {@link Workers#builder}: collects settings (the defaults are
 * here, the meanings on the interface) and starts a node with them.
 */
final class WorkersBuilder implements Workers.Builder {
  private final Jdbi jdbi;
  private Jdbi control;
  private io.opentelemetry.api.trace.Tracer tracer = JobSpans.NO_TRACER;
  private final Map<String, JobHandler> handlers = new HashMap<>();
  private final Map<String, Integer> queues = new LinkedHashMap<>();
  private final List<CronEntry> cron = new ArrayList<>();
  private String node = defaultNode();
  private Duration pollInterval = Duration.ofMillis(200);
  private Duration heartbeatInterval = Duration.ofSeconds(2);
  private Duration rescueAfter = Duration.ofSeconds(30);
  private Backoff backoff = Backoff.DEFAULT;
  private Duration defaultTimeout = Duration.ofMinutes(15);
  private Duration pruneAfter = Duration.ofDays(7);
  private Duration pruneInterval = Duration.ofMinutes(1);
  private Duration statsInterval = Duration.ofMinutes(1);
  private Duration shutdownGrace = Duration.ofSeconds(25);
  private Meter meter = MeterProvider.noop().get("dev.roster.jobs");

  WorkersBuilder(Jdbi jdbi) {
    this.jdbi = jdbi;
    this.control = jdbi;
  }

  @Override
  public Workers.Builder control(Jdbi control) {
    this.control = java.util.Objects.requireNonNull(control, "control");
    return this;
  }

  @Override
  public Workers.Builder tracer(io.opentelemetry.api.trace.Tracer tracer) {
    this.tracer = java.util.Objects.requireNonNull(tracer, "tracer");
    return this;
  }

  @Override
  public Workers.Builder handler(String kind, JobHandler handler) {
    handlers.put(kind, handler);
    return this;
  }

  @Override
  public Workers.Builder queue(String name, int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("queue concurrency must be at least 1");
    }
    queues.put(name, concurrency);
    return this;
  }

  @Override
  public Workers.Builder cron(String name, Duration period, JobRequest request) {
    cron.add(new CronEntry(name, period, request));
    return this;
  }

  @Override
  public Workers.Builder node(String node) {
    this.node = node;
    return this;
  }

  @Override
  public Workers.Builder pollInterval(Duration d) {
    this.pollInterval = d;
    return this;
  }

  @Override
  public Workers.Builder heartbeatInterval(Duration d) {
    this.heartbeatInterval = d;
    return this;
  }

  @Override
  public Workers.Builder rescueAfter(Duration d) {
    this.rescueAfter = d;
    return this;
  }

  @Override
  public Workers.Builder backoff(Backoff backoff) {
    this.backoff = backoff;
    return this;
  }

  @Override
  public Workers.Builder defaultTimeout(Duration d) {
    this.defaultTimeout = d;
    return this;
  }

  @Override
  public Workers.Builder pruneAfter(Duration d) {
    this.pruneAfter = d;
    return this;
  }

  @Override
  public Workers.Builder pruneInterval(Duration d) {
    this.pruneInterval = d;
    return this;
  }

  @Override
  public Workers.Builder statsInterval(Duration d) {
    this.statsInterval = d;
    return this;
  }

  @Override
  public Workers.Builder shutdownGrace(Duration d) {
    this.shutdownGrace = d;
    return this;
  }

  @Override
  public Workers.Builder meter(Meter meter) {
    this.meter = java.util.Objects.requireNonNull(meter, "meter");
    return this;
  }

  @Override
  public Workers start() {
    NodeSettings settings = new NodeSettings(node, queues, cron, pollInterval, heartbeatInterval,
        rescueAfter, backoff, defaultTimeout, pruneAfter, pruneInterval, statsInterval,
        shutdownGrace);
    return Workers.start(jdbi, control, settings, handlers, meter, tracer);
  }

  /** Unique per process (host, pid, random), so restarts and replicas never share an id. */
  private static String defaultNode() {
    String host = System.getenv().getOrDefault("HOSTNAME", "node");
    return host + "-" + ProcessHandle.current().pid() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0x1000000));
  }
}
