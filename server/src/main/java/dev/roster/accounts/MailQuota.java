package dev.roster.accounts;

import java.time.LocalDate;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The per-organization daily quota of welcome emails (table {@code mail_quota}, V9). Counting is
 * one atomic statement, so workers racing for the last unit cannot both win it.
 */
final class MailQuota {
  private MailQuota() {}

  /** Takes one unit of {@code day}'s quota; false, and one more counted drop, once it is used up. */
  static boolean take(Handle h, UUID organizationId, LocalDate day, int quota) {
    Integer sent = h.createQuery("""
            insert into mail_quota as q (organization_id, day, sent) values (:org, :day, 1)
            on conflict (organization_id, day) do update set sent = q.sent + 1
                where q.sent < :quota
            returning sent""")
        .bind("org", organizationId).bind("day", day).bind("quota", quota)
        .mapTo(Integer.class).findOne().orElse(null);
    if (sent == null) {
      h.createUpdate("update mail_quota set dropped = dropped + 1"
              + " where organization_id = :org and day = :day")
          .bind("org", organizationId).bind("day", day).execute();
      return false;
    }
    if (sent == 1) {
      // A new day for this organization: its earlier counts are no longer needed.
      h.createUpdate("delete from mail_quota where organization_id = :org and day < :day")
          .bind("org", organizationId).bind("day", day).execute();
    }
    return true;
  }

  /** Welcome emails dropped for the organization on {@code day}. */
  static int dropped(Handle h, UUID organizationId, LocalDate day) {
    return h.createQuery("select dropped from mail_quota where organization_id = :org and day = :day")
        .bind("org", organizationId).bind("day", day)
        .mapTo(Integer.class).findOne().orElse(0);
  }
}
