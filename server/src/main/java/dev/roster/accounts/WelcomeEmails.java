package dev.roster.accounts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.jobs.JobHandler;
import dev.roster.jobs.JobRequest;
import dev.roster.mail.Email;
import dev.roster.mail.Mailer;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The welcome email a new user gets. CreateUser enqueues the job in its own transaction, so there
 * is a job exactly when there is a user. Delivery is at least once: a resend after a crash carries
 * the same Message-ID ({@code welcome.<user id>@roster}), so mail systems can drop the duplicate.
 */
final class WelcomeEmails {
  static final String KIND = "welcome_email";
  static final String QUEUE = "mail";
  private static final Logger log = LoggerFactory.getLogger(WelcomeEmails.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private WelcomeEmails() {}

  static JobRequest request(UUID organizationId, UUID userId) {
    return JobRequest.of(KIND, JSON.createObjectNode()
            .put("organizationId", organizationId.toString())
            .put("userId", userId.toString()).toString())
        .withQueue(QUEUE).withMaxAttempts(10);
  }

  static JobHandler handler(Jdbi jdbi, Mailer mailer) {
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
      String orgName = org.displayName().isEmpty() ? org.slug() : org.displayName();
      String greeting = user.displayName().isEmpty() ? user.handle() : user.displayName();
      mailer.send(new Email(user.email(), "Welcome to " + orgName,
          "Hello " + greeting + ",\n\nyou now have an account in " + orgName + " with the handle "
              + user.handle() + ".\n",
          "welcome." + userId + "@roster"));
    };
  }
}
