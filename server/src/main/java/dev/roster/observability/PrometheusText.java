package dev.roster.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A pull-only {@link MetricReader} that renders what the SDK holds in the Prometheus text format
 * (version 0.0.4) when asked, on the asking thread. Nothing is collected between scrapes.
 *
 * <p>Names follow the OpenTelemetry-to-Prometheus convention: dots become underscores, the unit
 * becomes a suffix ({@code s} -> {@code _seconds}, {@code By} -> {@code _bytes}; curly-brace
 * annotations such as {@code {call}} are dropped) and monotonic sums get {@code _total}.
 * Only what Roster records is handled: sums, gauges and explicit-bucket histograms.
 */
final class PrometheusText implements MetricReader {
  private static final Pattern INVALID_NAME = Pattern.compile("[^a-zA-Z0-9_:]");
  private static final Pattern INVALID_LABEL = Pattern.compile("[^a-zA-Z0-9_]");

  private volatile CollectionRegistration registration = CollectionRegistration.noop();

  @Override
  public void register(CollectionRegistration registration) {
    this.registration = registration;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.CUMULATIVE;
  }

  @Override
  public CompletableResultCode forceFlush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    registration = CollectionRegistration.noop();
    return CompletableResultCode.ofSuccess();
  }

  /** Collects every instrument now (running the observable ones' callbacks) and renders them. */
  String scrape() {
    List<MetricData> metrics = new ArrayList<>(registration.collectAllMetrics());
    metrics.sort(Comparator.comparing(MetricData::getName));
    StringBuilder out = new StringBuilder(8192);
    Set<String> written = new HashSet<>();
    for (MetricData metric : metrics) {
      write(metric, out, written);
    }
    return out.toString();
  }

  private static void write(MetricData metric, StringBuilder out, Set<String> written) {
    String base = baseName(metric);
    switch (metric.getType()) {
      case LONG_SUM -> {
        boolean counter = metric.getLongSumData().isMonotonic();
        String name = counter ? base + "_total" : base;
        if (header(out, written, name, counter ? "counter" : "gauge", metric)) {
          for (LongPointData p : sorted(metric.getLongSumData().getPoints())) {
            sample(out, name, p.getAttributes(), null, Long.toString(p.getValue()));
          }
        }
      }
      case DOUBLE_SUM -> {
        boolean counter = metric.getDoubleSumData().isMonotonic();
        String name = counter ? base + "_total" : base;
        if (header(out, written, name, counter ? "counter" : "gauge", metric)) {
          for (DoublePointData p : sorted(metric.getDoubleSumData().getPoints())) {
            sample(out, name, p.getAttributes(), null, number(p.getValue()));
          }
        }
      }
      case LONG_GAUGE -> {
        if (header(out, written, base, "gauge", metric)) {
          for (LongPointData p : sorted(metric.getLongGaugeData().getPoints())) {
            sample(out, base, p.getAttributes(), null, Long.toString(p.getValue()));
          }
        }
      }
      case DOUBLE_GAUGE -> {
        if (header(out, written, base, "gauge", metric)) {
          for (DoublePointData p : sorted(metric.getDoubleGaugeData().getPoints())) {
            sample(out, base, p.getAttributes(), null, number(p.getValue()));
          }
        }
      }
      case HISTOGRAM -> {
        if (header(out, written, base, "histogram", metric)) {
          for (HistogramPointData p : sorted(metric.getHistogramData().getPoints())) {
            histogram(out, base, p);
          }
        }
      }
      default -> { } // exponential histograms and summaries: Roster records none
    }
  }

  private static void histogram(StringBuilder out, String name, HistogramPointData p) {
    List<Double> bounds = p.getBoundaries();
    List<Long> counts = p.getCounts();
    long cumulative = 0;
    for (int i = 0; i < bounds.size(); i++) {
      cumulative += counts.get(i);
      sample(out, name + "_bucket", p.getAttributes(), number(bounds.get(i)),
          Long.toString(cumulative));
    }
    sample(out, name + "_bucket", p.getAttributes(), "+Inf", Long.toString(p.getCount()));
    sample(out, name + "_sum", p.getAttributes(), null, number(p.getSum()));
    sample(out, name + "_count", p.getAttributes(), null, Long.toString(p.getCount()));
  }

  /** Writes HELP and TYPE once per name; false if the name was taken (then its points are skipped). */
  private static boolean header(StringBuilder out, Set<String> written, String family, String type,
      MetricData metric) {
    if (!written.add(family)) {
      return false;
    }
    String help = metric.getDescription().isEmpty() ? metric.getName() : metric.getDescription();
    out.append("# HELP ").append(family).append(' ')
        .append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
    out.append("# TYPE ").append(family).append(' ').append(type).append('\n');
    return true;
  }

  private static void sample(StringBuilder out, String name, Attributes attributes, String le,
      String value) {
    out.append(name);
    List<String> labels = new ArrayList<>();
    attributes.forEach((AttributeKey<?> key, Object v) -> labels.add(
        INVALID_LABEL.matcher(key.getKey()).replaceAll("_") + "=\"" + escape(String.valueOf(v))
            + "\""));
    labels.sort(null);
    if (le != null) {
      labels.add("le=\"" + le + "\"");
    }
    if (!labels.isEmpty()) {
      out.append('{').append(String.join(",", labels)).append('}');
    }
    out.append(' ').append(value).append('\n');
  }

  private static <T extends PointData> List<T> sorted(Collection<T> points) {
    List<T> list = new ArrayList<>(points);
    list.sort(Comparator.comparing(p -> p.getAttributes().toString()));
    return list;
  }

  static String baseName(MetricData metric) {
    String name = INVALID_NAME.matcher(metric.getName()).replaceAll("_");
    String unit = unit(metric.getUnit());
    return unit.isEmpty() || name.endsWith("_" + unit) ? name : name + "_" + unit;
  }

  private static String unit(String unit) {
    String u = unit == null ? "" : unit.replaceAll("\\{[^}]*}", "").trim();
    return switch (u) {
      case "", "1" -> "";
      case "s" -> "seconds";
      case "ms" -> "milliseconds";
      case "By" -> "bytes";
      default -> INVALID_NAME.matcher(u.toLowerCase(Locale.ROOT)).replaceAll("_");
    };
  }

  private static String number(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value) : Double.toString(value);
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
