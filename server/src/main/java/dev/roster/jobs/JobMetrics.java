package dev.roster.jobs;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;
import java.util.Locale;

/**
 * What the workers of this node report about the jobs they run, through OpenTelemetry's API (the
 * process decides where it goes; by default nowhere): run time by kind, queue and outcome, failed
 * attempts scheduled for a retry, and jobs rescued from nodes that died. Labels are kinds and
 * queues, a set fixed by the code and configuration.
 */
final class JobMetrics {
  private static final AttributeKey<String> KIND = AttributeKey.stringKey("job.kind");
  private static final AttributeKey<String> QUEUE = AttributeKey.stringKey("queue");
  private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
  /** Jobs range from a few milliseconds (an email) to many minutes (a large export). */
  private static final List<Double> BUCKETS_S = List.of(0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
      0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0);

  /** How one attempt on this node ended. */
  enum Outcome {
    /** The handler returned; the job is done. */
    COMPLETED,
    /** The handler threw or timed out, and the job has attempts left: it runs again later. */
    RETRYABLE,
    /** The handler threw or timed out on the job's last attempt: it will not run again. */
    DISCARDED,
    /** The job was cancelled while it ran; the handler was interrupted. */
    CANCELLED,
    /** This node shut down during the run and gave the job back, the attempt not counted. */
    RELEASED;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private final DoubleHistogram runTime;
  private final LongCounter retries;
  private final LongCounter rescues;

  JobMetrics(Meter meter) {
    runTime = meter.histogramBuilder("roster.jobs.run.duration").setUnit("s")
        .setDescription("Run time of one attempt of a job on this node, by kind, queue and outcome")
        .setExplicitBucketBoundariesAdvice(BUCKETS_S).build();
    retries = meter.counterBuilder("roster.jobs.retries").setUnit("{attempt}")
        .setDescription("Failed attempts of jobs scheduled to run again, by kind and queue")
        .build();
    rescues = meter.counterBuilder("roster.jobs.rescued").setUnit("{job}")
        .setDescription("Jobs this node took back from nodes that stopped beating while running"
            + " them, by kind and queue")
        .build();
  }

  void ran(Job job, Outcome outcome, long nanos) {
    runTime.record(nanos / 1e9, Attributes.of(KIND, job.kind(), QUEUE, job.queue(),
        OUTCOME, outcome.label));
    if (outcome == Outcome.RETRYABLE) {
      retries.add(1, Attributes.of(KIND, job.kind(), QUEUE, job.queue()));
    }
  }

  void rescued(List<JobStore.Rescued> jobs) {
    for (JobStore.Rescued r : jobs) {
      rescues.add(1, Attributes.of(KIND, r.kind(), QUEUE, r.queue()));
    }
  }
}
