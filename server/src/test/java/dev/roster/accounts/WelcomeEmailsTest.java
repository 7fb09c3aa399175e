package dev.roster.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.jobs.Job;
import dev.roster.jobs.JobQueue;
import dev.roster.mail.Email;
import dev.roster.mail.Mailer;
import dev.roster.testing.Fixtures;
import dev.roster.testing.MutableClock;
import dev.roster.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** What a welcome email may say, and how many an organization may send per day. */
class WelcomeEmailsTest {
  private static final int QUOTA = 2;
  private final Jdbi jdbi = TestDatabase.database().jdbi();
  // Late in a UTC day, so moving an hour on is the next day.
  private final MutableClock clock = MutableClock.at(Instant.parse("2030-03-04T23:30:00Z"));
  private final Accounts accounts = new Accounts(jdbi, clock);
  private final List<Email> sent = new CopyOnWriteArrayList<>();
  private final Mailer mailer = sent::add;

  @Test
  void welcome_phishingDisplayNames_neverRendered_fixedSubject() throws Exception {
    String bait = "Urgent: verify at https://evil.example/login or www.evil.example";
    Organization org = accounts.createOrganization(
        new NewOrganization(Fixtures.slug("acme"), bait), Optional.empty());
    User user = accounts.createUser(org.id(),
        new NewUser(Fixtures.slug("ada"), Fixtures.email("ada"), bait), Optional.empty());

    runWelcome(user);

    assertThat(sent).singleElement().satisfies(email -> {
      assertThat(email.subject()).isEqualTo("Your new Roster account");
      assertThat(email.text()).contains(user.handle()).contains(org.slug())
          .doesNotContain("evil").doesNotContain("http").doesNotContain("Urgent");
      assertThat(email.to()).isEqualTo(user.email());
    });
  }

  @Test
  void welcome_overTheDailyQuota_droppedAndCounted_sentAgainTheNextUtcDay() throws Exception {
    Organization org = organization();
    Organization other = organization();
    List<User> users = List.of(user(org), user(org), user(org), user(org));

    for (User u : users) {
      runWelcome(u);
    }
    User elsewhere = user(other);
    runWelcome(elsewhere);

    assertThat(sent).extracting(Email::to).containsExactly(
        users.get(0).email(), users.get(1).email(), elsewhere.email());
    assertThat(droppedToday(org)).isEqualTo(2);
    assertThat(droppedToday(other)).isZero();

    clock.advance(Duration.ofHours(1));
    User nextDay = user(org);
    runWelcome(nextDay);

    assertThat(sent).extracting(Email::to).last().isEqualTo(nextDay.email());
    int days = jdbi.withHandle(h -> h.createQuery(
            "select count(*) from mail_quota where organization_id = :org")
        .bind("org", org.id()).mapTo(Integer.class).one());
    assertThat(days).as("yesterday's count is deleted").isEqualTo(1);
  }

  @Test
  void welcome_retriedAttempt_takesNoMoreQuota() throws Exception {
    Organization org = organization();
    User first = user(org);
    Job job = welcomeJob(first);

    perform(job);
    perform(withAttempt(job, 2));
    perform(withAttempt(job, 3));
    User second = user(org);
    runWelcome(second);

    assertThat(sent).extracting(Email::to)
        .containsExactly(first.email(), first.email(), first.email(), second.email());
    assertThat(droppedToday(org)).isZero();
  }

  private Organization organization() {
    return accounts.createOrganization(new NewOrganization(Fixtures.slug("org"), ""),
        Optional.empty());
  }

  private User user(Organization org) {
    return accounts.createUser(org.id(),
        new NewUser(Fixtures.slug("u"), Fixtures.email("u"), "Some One"), Optional.empty());
  }

  private void runWelcome(User user) throws Exception {
    perform(welcomeJob(user));
  }

  private void perform(Job job) throws Exception {
    accounts.jobHandlers(mailer, QUOTA, Path.of("unused-exports")).get(WelcomeEmails.KIND)
        .perform(job);
  }

  private Job welcomeJob(User user) {
    UUID id = jdbi.withHandle(h -> h.createQuery(
            "select id from jobs where kind = :kind and args ->> 'userId' = :user")
        .bind("kind", WelcomeEmails.KIND).bind("user", user.id().toString())
        .mapTo(UUID.class).one());
    return new JobQueue(jdbi).get(id).orElseThrow();
  }

  private static Job withAttempt(Job j, int attempt) {
    return new Job(j.id(), j.queue(), j.kind(), j.args(), j.priority(), j.state(), attempt,
        j.maxAttempts(), j.timeout(), j.insertedAt(), j.scheduledAt(), j.attemptedAt(),
        j.attemptedBy(), j.completedAt(), j.discardedAt(), j.cancelledAt(), j.lastError(),
        j.uniqueKey());
  }

  private int droppedToday(Organization org) {
    return jdbi.withHandle(h -> MailQuota.dropped(h, org.id(),
        java.time.LocalDate.ofInstant(clock.instant(), java.time.ZoneOffset.UTC)));
  }
}
