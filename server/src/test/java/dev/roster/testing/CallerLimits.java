package dev.roster.testing;

import java.util.Map;

/**
 * The per-caller limits lifted out of the way, for tests whose one fast caller is not what they
 * test (rate limits and fairness limits have tests of their own, with small limits).
 */
public final class CallerLimits {
  private CallerLimits() {}

  /** Puts rate limits and in-flight limits per key and per organization far above any test. */
  public static Map<String, String> lift(Map<String, String> env) {
    env.put("ROSTER_RATE_LIMIT_PER_SECOND", "1000000");
    env.put("ROSTER_RATE_LIMIT_BURST", "1000000");
    env.put("ROSTER_ORGANIZATION_RATE_LIMIT_PER_SECOND", "1000000");
    env.put("ROSTER_ORGANIZATION_RATE_LIMIT_BURST", "1000000");
    env.put("ROSTER_MAX_CALLS_IN_FLIGHT_PER_KEY", "1000");
    env.put("ROSTER_MAX_CALLS_IN_FLIGHT_PER_ORGANIZATION", "1000");
    return env;
  }
}
