package dev.roster.observability;

import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.PoolStats;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;

/**
 * HikariCP's own metrics hook, writing OpenTelemetry instruments under the names of OpenTelemetry's
 * HikariCP instrumentation (which is not available to this build): how long a thread waited for a
 * connection, how long it held it, how long opening one took, and how many waits ended in a
 * timeout, per pool. The histograms are in seconds, not the instrumentation's milliseconds:
 * Prometheus wants base units ({@code promtool check metrics} rejects {@code _milliseconds}). Hikari calls these on the threads that borrow and return
 * connections; each is a lock-free record into the SDK.
 */
final class PoolTimings implements MetricsTrackerFactory {
  private static final AttributeKey<String> POOL = AttributeKey.stringKey("pool.name");
  /** Acquiring is usually sub-millisecond; a timeout is at least the acquire timeout (250 ms+). */
  private static final List<Double> BUCKETS_S = List.of(0.00005, 0.0001, 0.00025, 0.0005, 0.001,
      0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0);

  private final DoubleHistogram waitTime;
  private final DoubleHistogram useTime;
  private final DoubleHistogram createTime;
  private final LongCounter timeouts;

  PoolTimings(Meter meter) {
    waitTime = meter.histogramBuilder("db.client.connections.wait_time").setUnit("s")
        .setDescription("Time a thread waited for a connection of the pool")
        .setExplicitBucketBoundariesAdvice(BUCKETS_S).build();
    useTime = meter.histogramBuilder("db.client.connections.use_time").setUnit("s")
        .setDescription("Time a connection was held between borrowing and returning it")
        .setExplicitBucketBoundariesAdvice(BUCKETS_S).build();
    createTime = meter.histogramBuilder("db.client.connections.create_time").setUnit("s")
        .setDescription("Time it took to open a new connection of the pool")
        .setExplicitBucketBoundariesAdvice(BUCKETS_S).build();
    timeouts = meter.counterBuilder("db.client.connections.timeouts").setUnit("{timeout}")
        .setDescription("Waits for a connection of the pool that ended without one (pool busy or"
            + " database unreachable)")
        .build();
  }

  @Override
  public IMetricsTracker create(String poolName, PoolStats poolStats) {
    Attributes pool = Attributes.of(POOL, poolName);
    // Exported from the start at 0, so rate() and alerts see the series before the first timeout.
    timeouts.add(0, pool);
    return new IMetricsTracker() {
      @Override
      public void recordConnectionCreatedMillis(long millis) {
        createTime.record(millis / 1e3, pool);
      }

      @Override
      public void recordConnectionAcquiredNanos(long nanos) {
        waitTime.record(nanos / 1e9, pool);
      }

      @Override
      public void recordConnectionUsageMillis(long millis) {
        useTime.record(millis / 1e3, pool);
      }

      @Override
      public void recordConnectionTimeout() {
        timeouts.add(1, pool);
      }
    };
  }
}
