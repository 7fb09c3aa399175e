package dev.roster.accounts;

import java.time.Duration;

/**
 * Limits on users exports.
 *
 * @param maxActivePerOrganization exports an organization may have pending or running at once
 *     ({@code ROSTER_MAX_ACTIVE_EXPORTS_PER_ORGANIZATION}); at least 1
 * @param retention how long a finished export (its operation and its file) is kept
 *     ({@code ROSTER_EXPORT_RETENTION}); greater than zero
 * @throws IllegalArgumentException if either is out of range
 */
public record ExportSettings(int maxActivePerOrganization, Duration retention) {
  /** The defaults: 2 active exports per organization, kept 7 days. */
  public static final ExportSettings DEFAULT = new ExportSettings(2, Duration.ofDays(7));

  public ExportSettings {
    if (maxActivePerOrganization < 1) {
      throw new IllegalArgumentException("maxActivePerOrganization must be at least 1");
    }
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be greater than zero");
    }
  }
}
