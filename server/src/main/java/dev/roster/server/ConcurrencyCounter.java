package dev.roster.server;

import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many of something each id (an API key, an organization) holds at once, with an atomic
 * try-acquire against a limit. An id holding nothing has no entry, so the map stays as small as
 * the set of ids that are busy right now.
 */
public final class ConcurrencyCounter {
  private final ConcurrentHashMap<UUID, Integer> held = new ConcurrentHashMap<>();

  /** Takes one for {@code id} if it holds fewer than {@code limit}; false (and nothing taken) if not. */
  public boolean tryAcquire(UUID id, int limit) {
    boolean[] taken = {false};
    held.compute(id, (k, n) -> {
      int now = n == null ? 0 : n;
      if (now >= limit) {
        return n;
      }
      taken[0] = true;
      return now + 1;
    });
    return taken[0];
  }

  /** Gives back one taken by {@link #tryAcquire}; callers make sure it happens once per take. */
  public void release(UUID id) {
    held.computeIfPresent(id, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** What {@code id} holds now (for tests and metrics). */
  public int held(UUID id) {
    return held.getOrDefault(id, 0);
  }
}
