package dev.roster.planted.jobs;

import dev.roster.planted.observability.SomeMetrics;

/** VIOLATION (observability_isSeenOnlyByTheCompositionRoot). */
final class ReportsToObservability {
  void ran(SomeMetrics metrics) {
    metrics.record("job ran");
  }
}
