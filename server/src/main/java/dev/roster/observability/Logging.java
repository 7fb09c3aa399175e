package dev.roster.observability;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** The end of the process's logging: what the asynchronous appender still holds is written. */
public final class Logging {
  private Logging() {}

  /**
   * Stops logback: the asynchronous appender writes out the lines it still queues (for at most its
   * {@code maxFlushTime}) before the console appender closes. Call it last, when nothing more will be
   * logged; lines logged afterwards are lost.
   */
  public static void stop() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
  }
}
