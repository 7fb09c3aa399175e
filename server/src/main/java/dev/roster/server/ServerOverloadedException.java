package dev.roster.server;

import dev.roster.platform.errors.UnavailableException;
import java.time.Duration;
import java.util.Map;

/**
 * The call threads are busy and the calls already waiting for one fill the call queue, so this call
 * is refused at once (UNAVAILABLE, SERVER_OVERLOADED) rather than queued toward its deadline.
 */
final class ServerOverloadedException extends UnavailableException {
  static final Duration RETRY_DELAY = Duration.ofSeconds(1);

  ServerOverloadedException(int callQueue) {
    super("SERVER_OVERLOADED", "the server is overloaded: " + callQueue
            + " calls are already waiting for a thread; retry after " + RETRY_DELAY.toMillis()
            + " ms, or on another replica", RETRY_DELAY,
        Map.of("callQueue", Integer.toString(callQueue)));
  }
}
