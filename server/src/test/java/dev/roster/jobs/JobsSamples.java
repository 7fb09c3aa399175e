package dev.roster.jobs;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;

/** The code samples of docs/JOBS.md, compiled and run by {@link JobsDocsTest}. */
final class JobsSamples {
  private JobsSamples() {}

  static Job enqueueWithTheWrite(Jdbi jdbi, JobQueue jobs, UUID userId) {
    Job job = jdbi.inTransaction(h -> {
      h.execute("insert into signups (user_id) values (?)", userId); // the business write
      return jobs.enqueue(h, JobRequest.of("welcome_email", "{\"user_id\": \"" + userId + "\"}")
          .withQueue("mail")
          .withMaxAttempts(10)
          .withUnique(Duration.ofHours(1)));
    });
    return job;
  }

  static Workers startWorkers(Jdbi jdbi, Consumer<String> mailer, Runnable report) {
    Workers workers = Workers.builder(jdbi)
        .queue("mail", 5)
        .queue("reports", 1)
        .handler("welcome_email", job -> mailer.accept(job.args()))
        .handler("nightly_report", job -> report.run())
        .cron("nightly-report", Duration.ofDays(1),
            JobRequest.of("nightly_report", "{}").withQueue("reports"))
        .start();
    return workers;
  }

  static void stopWorkers(Workers workers) {
    workers.close(Duration.ofSeconds(25));
  }
}
