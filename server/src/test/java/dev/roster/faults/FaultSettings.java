package dev.roster.faults;

import dev.roster.testing.CallerLimits;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The Roster settings of the fault suite: production defaults, except what keeps the scenarios
 * short on a shared 2-core machine (a smaller API pool that a few blocked writers exhaust, a 3 s
 * shutdown grace) and the per-caller limits lifted as TestServer lifts them (the writers and the
 * trickle are one tenant calling fast; fairness is tested elsewhere). Everything the issue bounds
 * (health probing, acquire and driver timeouts) is left at its default: the suite checks that the
 * defaults meet the bounds.
 */
final class FaultSettings {
  static final String ADMIN_KEY = "fault-admin-key-0123456789abcdefghijklmnopqrstuvwxyz";
  static final int API_POOL_SIZE = 8;

  private FaultSettings() {}

  static Map<String, String> env(String jdbcUrl, Path dataDir) {
    Map<String, String> env = new HashMap<>();
    env.put("ROSTER_DATABASE_URL", jdbcUrl);
    env.put("ROSTER_DATABASE_USER", "postgres");
    env.put("ROSTER_DATA_DIR", dataDir.toString());
    env.put("ROSTER_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY);
    env.put("ROSTER_DATABASE_POOL_SIZE", Integer.toString(API_POOL_SIZE));
    env.put("ROSTER_SHUTDOWN_GRACE", "3s");
    return CallerLimits.lift(env);
  }
}
