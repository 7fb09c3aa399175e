package dev.roster.faults;

import io.grpc.Status;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.StringJoiner;
import dev.roster.testing.PostgresProcess;
import java.sql.SQLException;
import org.assertj.core.api.SoftAssertions;

/**
 * One scenario's measured numbers and its assertions. The numbers are printed as one line prefixed
 * {@code FAULT-SUITE} (docs/OPERATIONS.md's failure-modes table is made from them) before the
 * assertions are checked, all of them at once (soft assertions): a failing scenario reports every
 * requirement it misses, with its numbers, not only the first.
 */
final class FaultReport {
  /** The only errors a client may see while a fault lasts: both mean "retry". */
  static final Set<Status.Code> RETRYABLE = EnumSet.of(Status.Code.UNAVAILABLE,
      Status.Code.DEADLINE_EXCEEDED);

  private final String scenario;
  private final Map<String, Object> numbers = new LinkedHashMap<>();
  private final SoftAssertions soft = new SoftAssertions();

  FaultReport(String scenario) {
    this.scenario = scenario;
  }

  FaultReport put(String key, Object value) {
    numbers.put(key, value);
    return this;
  }

  /** Milliseconds from {@code from} to {@code to} (nanoTime values). */
  static long ms(long from, long to) {
    return (to - from) / 1_000_000;
  }

  /** Milliseconds from {@code from} to {@code to}, or -1 when {@code to} never happened. */
  static long ms(long from, OptionalLong to) {
    return to.isPresent() ? ms(from, to.getAsLong()) : -1;
  }

  SoftAssertions check() {
    return soft;
  }

  /**
   * Asserts, from what PostgreSQL has for {@code organization}, that no acknowledged write was lost
   * or changed, that no request_id or email was stored twice, and that no write was refused for
   * good.
   */
  void noLostOrDuplicatedWrites(PostgresProcess postgres, String organization, WriteLoad writes)
      throws SQLException {
    var stored = Outcomes.stored(postgres, organization);
    soft.assertThat(Outcomes.lostOrChanged(writes.acknowledged(), stored))
        .as("acknowledged writes lost or changed").isEmpty();
    soft.assertThat(Outcomes.duplicatedRequests(stored))
        .as("request_ids stored more than once").isEmpty();
    soft.assertThat(stored.duplicateEmails()).as("emails stored more than once").isEmpty();
    soft.assertThat(writes.rejected()).as("writes refused for good").isEmpty();
  }

  /**
   * Asserts that the answers' errors are all UNAVAILABLE or DEADLINE_EXCEEDED, and that the
   * server's own UNAVAILABLE tell the client when to retry (RetryInfo).
   */
  void onlyRetryableErrors(String what, List<Answers.Answer> answers) {
    onlyRetryableErrors(what, answers, a -> false);
  }

  /**
   * The same, for a server killed at {@code killedAt} (SIGKILL) and replaced at {@code backAt}: a
   * call in flight in between whose connection closed under it got no answer from any server,
   * only the client library's UNKNOWN "channel closed" (its cause, ClosedChannelException, exists
   * only on the client: a cause never crosses the wire); that is the kill, not an answer, and is
   * the one error accepted besides UNAVAILABLE/DEADLINE_EXCEEDED.
   */
  void onlyRetryableErrorsAcrossKill(String what, List<Answers.Answer> answers, long killedAt,
      long backAt) {
    onlyRetryableErrors(what, answers,
        a -> a.connectionClosedUnderIt() && a.inFlightDuring(killedAt, backAt));
  }

  private void onlyRetryableErrors(String what, List<Answers.Answer> answers,
      java.util.function.Predicate<Answers.Answer> cutOffByTheKill) {
    soft.assertThat(Answers.where(answers,
            a -> !a.ok() && !RETRYABLE.contains(a.code()) && !cutOffByTheKill.test(a)))
        .as("%s: errors other than UNAVAILABLE/DEADLINE_EXCEEDED (all: %s)", what,
            Answers.detailedCounts(answers))
        .isEmpty();
    retryInfoOnServerUnavailable(what, answers);
  }

  /**
   * Asserts that every UNAVAILABLE the server itself built (it carries an ErrorInfo; the client
   * library's own, such as a refused connection, carry nothing) also carries a RetryInfo.
   */
  void retryInfoOnServerUnavailable(String what, List<Answers.Answer> answers) {
    soft.assertThat(Answers.detailedCounts(Answers.where(answers,
            a -> a.code() == Status.Code.UNAVAILABLE && !a.reason().isEmpty() && !a.retryInfo())))
        .as("%s: UNAVAILABLE from the server without RetryInfo", what)
        .isEmpty();
  }

  /** Asserts that {@code millis} happened (is not -1) and is at most {@code bound}. */
  void within(String what, long millis, Duration bound) {
    soft.assertThat(millis).as("%s (ms; -1 = never)", what).isNotNegative()
        .isLessThanOrEqualTo(bound.toMillis());
  }

  /** Prints the numbers, then fails with every assertion that did not hold. */
  void finish() {
    StringJoiner line = new StringJoiner(" ", "FAULT-SUITE " + scenario + " ", "");
    numbers.forEach((k, v) -> line.add(k + "=" + v));
    System.out.println(line);
    soft.assertAll();
  }

  /**
   * Keeps a fault in place for {@code duration}: the scenario's fault lasts that long by
   * definition; this is not a wait for something to happen (those poll, see Await).
   */
  static void hold(Duration duration) throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end) {
      Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
    }
  }
}
