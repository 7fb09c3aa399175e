package dev.roster.jobs;

import static dev.roster.jobs.JobsTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** docs/JOBS.md's samples are the compiled code of {@link JobsSamples}, and they run. */
class JobsDocsTest {
  @Test
  void everyJavaBlockInJobsMd_isASampleThatCompiles() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    Path doc = (Files.exists(root.resolve("docs/JOBS.md")) ? root : root.getParent())
        .resolve("docs/JOBS.md");
    String samples = normalize(
        Files.readString(Path.of("src/test/java/dev/roster/jobs/JobsSamples.java")));
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(doc));
    while (m.find()) {
      blocks.add(m.group(1));
    }

    assertThat(blocks).isNotEmpty();
    for (String block : blocks) {
      assertThat(samples).as("JOBS.md block must be in JobsSamples.java:%n%s", block)
          .contains(normalize(block));
    }
  }

  @Test
  void samples_enqueueInTheWriteAndRun() {
    Jdbi jdbi = JobsTesting.jdbi();
    jdbi.useHandle(h -> h.execute("create table if not exists signups (user_id uuid primary key)"));
    JobQueue jobs = new JobQueue(jdbi);
    List<String> mailed = new CopyOnWriteArrayList<>();
    AtomicInteger reports = new AtomicInteger();
    UUID userId = UUID.randomUUID();

    Job job = JobsSamples.enqueueWithTheWrite(jdbi, jobs, userId);
    Workers workers = JobsSamples.startWorkers(jdbi, mailed::add, reports::incrementAndGet);
    try {
      await(Duration.ofSeconds(10), "the welcome email", () -> mailed.size() == 1);
      await(Duration.ofSeconds(10), "the report", () -> reports.get() == 1);
    } finally {
      JobsSamples.stopWorkers(workers);
    }

    assertThat(mailed).containsExactly("{\"user_id\": \"" + userId + "\"}");
    assertThat(jobs.get(job.id()).orElseThrow().state()).isEqualTo(JobState.COMPLETED);
  }

  private static String normalize(String code) {
    return code.lines().map(String::strip).filter(l -> !l.isEmpty())
        .reduce("", (a, b) -> a + b + "\n");
  }
}
