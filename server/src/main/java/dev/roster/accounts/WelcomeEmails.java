package dev.roster.accounts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.jobs.JobHandler;
import dev.roster.jobs.JobRequest;
import dev.roster.mail.Email;
import dev.roster.mail.Mailer;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The welcome email a new user gets. CreateUser enqueues the job in its own transaction, so there
 * is a job exactly when there is a user. Delivery is at least once: a resend after a crash carries
 * the same Message-ID ({@code welcome.<user id>@roster}), so mail systems can drop the duplicate.
 *
 * <p>Any tenant can make Roster mail any address (create a user with it), so the message must not
 * be a phishing vehicle: the subject is fixed, and the body renders only the organization's slug
 * and the user's handle, which validation limits to lowercase letters, digits and hyphens (no dots,
 * colons or slashes, so nothing a mail client turns into a link). Display names are free text and
 * are never rendered. Each organization may send {@code dailyQuota} welcome emails per UTC day
 * (by the context's clock); beyond it they are dropped, with a log line and a count in
 * {@code mail_quota.dropped}, not deferred: a backlog carried to the next day would let one tenant
 * fill every later day too.
 */
final class WelcomeEmails {
  static final String KIND = "welcome_email";
  static final String QUEUE = "mail";
  static final String SUBJECT = "Your new Roster account";
  private static final Logger log = LoggerFactory.getLogger(WelcomeEmails.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private WelcomeEmails() {}

  static JobRequest request(UUID organizationId, UUID userId) {
    return JobRequest.of(KIND, JSON.createObjectNode()
            .put("organizationId", organizationId.toString())
            .put("userId", userId.toString()).toString())
        .withQueue(QUEUE).withMaxAttempts(10);
  }

  static JobHandler handler(Jdbi jdbi, Clock clock, Mailer mailer, int dailyQuota) {
    return job -> {
      JsonNode args = JSON.readTree(job.args());
      UUID organizationId = UUID.fromString(args.get("organizationId").asText());
      UUID userId = UUID.fromString(args.get("userId").asText());
      var found = jdbi.withHandle(h -> UserStore.find(h, organizationId, UserStore.BY_ID, userId));
      if (found.isEmpty() || found.get().isDeleted()) {
        log.info("welcome email for {} skipped: the user is gone", userId);
        return;
      }
      User user = found.get();
      Organization org = jdbi.withHandle(
          h -> OrganizationStore.find(h, OrganizationStore.BY_ID, organizationId)).orElseThrow();
      // Only the first attempt takes quota: a retry after a failed hand-over is the same email.
      if (job.attempt() <= 1) {
        LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        boolean allowed = jdbi.inTransaction(h -> MailQuota.take(h, organizationId, day, dailyQuota));
        if (!allowed) {
          int dropped = jdbi.withHandle(h -> MailQuota.dropped(h, organizationId, day));
          log.warn("welcome email for user {} dropped: organization {} reached its quota of {}"
              + " welcome emails for {} ({} dropped that day)", userId, organizationId,
              dailyQuota, day, dropped);
          return;
        }
      }
      mailer.send(new Email(user.email(), SUBJECT, body(org, user),
          "welcome." + userId + "@roster"));
    };
  }

  /** Only validated slugs: see the class comment. */
  static String body(Organization org, User user) {
    return "Hello " + user.handle() + ",\n\n"
        + "an account with the handle " + user.handle() + " was created for you in the"
        + " organization " + org.slug() + " on Roster.\n\n"
        + "If you did not expect this, you can ignore this message.\n";
  }
}
