package dev.roster.observability;

import dev.roster.server.Callers;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls and refused calls per organization, for the {@code top} busiest organizations only; every
 * other organization's calls are counted under {@code organization="other"}. The label is the
 * organization's id (never a user's, never a key's), and at most {@code top + 1} series of each
 * counter exist at any scrape, however many tenants call.
 *
 * <p>Who is busiest is kept by a space-saving sketch (Metwally et al.) of {@code capacity}
 * organizations in memory: a new organization takes the place of the least busy one when the
 * sketch is full, inheriting its count as an error bound. The count reported for a labelled
 * organization is its guaranteed part (count minus error: exact unless it was once evicted), and
 * {@code other} is the total minus what is reported for the labelled ones, so the labelled series
 * and {@code other} always add up to every call. When an organization enters the top set, calls
 * counted under {@code other} move to its label, so {@code other} can fall: Prometheus sees a
 * counter reset for one scrape. That is the price of a bounded label set; membership changes only
 * when tenants' volumes cross.
 *
 * <p>Calls without an authenticated organization (a platform admin key, a missing or unknown key,
 * health checks) are not counted here; {@code roster_calls_refused_total} counts their refusals.
 */
final class OrganizationCalls implements ServerInterceptor {
  private static final AttributeKey<String> ORGANIZATION = AttributeKey.stringKey("organization");
  static final String OTHER = "other";

  private final int top;
  private final int capacity;
  private final Map<UUID, Entry> sketch = new HashMap<>();
  private long totalCalls;
  private long totalRefused;

  private static final class Entry {
    final UUID organization;
    long calls;
    long refused;
    final long error;

    Entry(UUID organization, long calls, long error) {
      this.organization = organization;
      this.calls = calls;
      this.error = error;
    }

    long guaranteedCalls() {
      return calls - error;
    }
  }

  OrganizationCalls(Meter meter, int top) {
    if (top < 1) {
      throw new IllegalArgumentException("top must be at least 1");
    }
    this.top = top;
    // Room beyond the top set, so a tenant climbing into it is usually already counted exactly.
    this.capacity = Math.max(10 * top, 50);
    meter.counterBuilder("roster.organization.calls").setUnit("{call}")
        .setDescription("Calls of each of the busiest organizations (ROSTER_METRICS_TOP_ORGANIZATIONS),"
            + " the rest as organization=\"other\"")
        .buildWithCallback(m -> report(m, false));
    meter.counterBuilder("roster.organization.calls.refused").setUnit("{call}")
        .setDescription("Refused calls (as roster.calls.refused) of the same organizations")
        .buildWithCallback(m -> report(m, true));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    AtomicReference<UUID> organization = new AtomicReference<>();
    Context context = Callers.observing(Context.current(),
        principal -> principal.organizationId().ifPresent(organization::set));
    ServerCall<Q, R> counted = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        UUID id = organization.get();
        if (id != null) {
          record(id, Refusals.isRefusal(status.getCode()));
        }
        super.close(status, trailers);
      }
    };
    return Contexts.interceptCall(context, counted, headers, next);
  }

  /** Counts one call of {@code organization}. */
  synchronized void record(UUID organization, boolean refused) {
    totalCalls++;
    if (refused) {
      totalRefused++;
    }
    Entry entry = sketch.get(organization);
    if (entry == null) {
      if (sketch.size() < capacity) {
        entry = new Entry(organization, 0, 0);
      } else {
        Entry least = sketch.values().stream().min(Comparator.comparingLong(e -> e.calls))
            .orElseThrow();
        sketch.remove(least.organization);
        entry = new Entry(organization, least.calls, least.calls);
      }
      sketch.put(organization, entry);
    }
    entry.calls++;
    if (refused) {
      entry.refused++;
    }
  }

  private void report(ObservableLongMeasurement m, boolean refused) {
    List<long[]> labelled = new ArrayList<>();
    List<String> names = new ArrayList<>();
    long total;
    synchronized (this) {
      total = refused ? totalRefused : totalCalls;
      sketch.values().stream()
          .sorted(Comparator.comparingLong((Entry e) -> e.calls).reversed()
              .thenComparing(e -> e.organization))
          .limit(top)
          .forEach(e -> {
            names.add(e.organization.toString());
            labelled.add(new long[] {refused ? e.refused : e.guaranteedCalls()});
          });
    }
    long sum = 0;
    for (int i = 0; i < names.size(); i++) {
      long value = labelled.get(i)[0];
      sum += value;
      m.record(value, Attributes.of(ORGANIZATION, names.get(i)));
    }
    m.record(Math.max(0, total - sum), Attributes.of(ORGANIZATION, OTHER));
  }
}
