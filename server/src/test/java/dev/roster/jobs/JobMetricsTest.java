package dev.roster.jobs;

import static dev.roster.jobs.JobsTesting.await;
import static dev.roster.jobs.JobsTesting.fastWorkers;
import static dev.roster.jobs.JobsTesting.unique;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a node reports through the Meter given to its builder, read back through a real
 * OpenTelemetry SDK: one run-time sample per attempt with its outcome, retries, and no run for a
 * job given back before it started.
 */
class JobMetricsTest {
  private final Jdbi jdbi = JobsTesting.jdbi();
  private final JobQueue queue = new JobQueue(jdbi);
  private final String q = unique("metrics");
  private PrometheusMetricReader reader;
  private SdkMeterProvider provider;
  private Workers workers;

  @BeforeEach
  void meter() {
    reader = PrometheusMetricReader.builder().setTargetInfoMetricEnabled(false).build();
    provider = SdkMeterProvider.builder().registerMetricReader(reader).build();
  }

  @AfterEach
  void stop() {
    if (workers != null) {
      workers.close(Duration.ofSeconds(5));
    }
    provider.close();
  }

  @Test
  void outcomes_completedRetryableDiscardedCancelled_eachCountedByKind() {
    String ok = unique("ok");
    String boom = unique("boom");
    String slow = unique("slow");
    CountDownLatch slowStarted = new CountDownLatch(1);
    workers = fastWorkers(jdbi).queue(q, 2)
        .meter(provider.get("test"))
        .handler(ok, job -> { })
        .handler(boom, job -> {
          throw new IllegalStateException("boom");
        })
        .handler(slow, job -> {
          slowStarted.countDown();
          Thread.sleep(60_000);
        })
        .start();
    queue.enqueue(JobRequest.of(ok, "{}").withQueue(q));
    Job failing = queue.enqueue(JobRequest.of(boom, "{}").withQueue(q).withMaxAttempts(2));
    Job blocking = queue.enqueue(JobRequest.of(slow, "{}").withQueue(q));
    await(Duration.ofSeconds(30), "the failing job discarded",
        () -> JobsTesting.state(queue, failing.id()) == JobState.DISCARDED);
    await(Duration.ofSeconds(30), "the slow job started", () -> slowStarted.getCount() == 0);
    queue.cancel(blocking.id());
    await(Duration.ofSeconds(30), "the cancelled run counted",
        () -> runs(scrape(), slow, "cancelled") == 1);
    await(Duration.ofSeconds(30), "the completed run counted",
        () -> runs(scrape(), ok, "completed") == 1);

    String text = scrape();
    assertThat(runs(text, boom, "retryable")).isEqualTo(1);
    assertThat(runs(text, boom, "discarded")).isEqualTo(1);
    assertThat(runs(text, ok, "retryable")).isZero();
    assertThat(value(text, "roster_jobs_retries_total", boom)).isEqualTo(1);
    assertThat(value(text, "roster_jobs_retries_total", ok)).isZero();
  }

  @Test
  void noMeter_defaultsToNoop_andJobsStillRun() {
    String ok = unique("ok");
    workers = fastWorkers(jdbi).queue(q, 1).handler(ok, job -> { }).start();
    Job job = queue.enqueue(JobRequest.of(ok, "{}").withQueue(q));
    await(Duration.ofSeconds(30), "the job completed",
        () -> JobsTesting.state(queue, job.id()) == JobState.COMPLETED);
    assertThat(scrape()).doesNotContain("roster_jobs_run_duration");
  }

  private static double runs(String text, String kind, String outcome) {
    Matcher m = Pattern.compile("^roster_jobs_run_duration_seconds_count\\{([^}]*)} (\\S+)$",
        Pattern.MULTILINE).matcher(text);
    double total = 0;
    while (m.find()) {
      String labels = "," + m.group(1) + ",";
      if (labels.contains(",job_kind=\"" + kind + "\",")
          && labels.contains(",outcome=\"" + outcome + "\",")) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  private static double value(String text, String name, String kind) {
    Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$",
        Pattern.MULTILINE).matcher(text);
    double total = 0;
    while (m.find()) {
      if (("," + m.group(1) + ",").contains(",job_kind=\"" + kind + "\",")) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  private String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, reader.collect());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
