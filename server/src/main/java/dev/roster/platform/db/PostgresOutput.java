package dev.roster.platform.db;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * The last lines initdb, pg_ctl and PostgreSQL printed. The embedded library logs them at INFO
 * under its own logger, which logback.xml mutes (they are noise while all goes well); this keeps
 * them in memory anyway, so a failed start can say what PostgreSQL said (such as "No space left on
 * device"). It watches log calls before any level applies and never changes what is logged.
 */
final class PostgresOutput extends TurboFilter {
  private static final String LOGGER = EmbeddedPostgres.class.getName();
  private static final int KEEP = 200;
  private static final ArrayDeque<String> LINES = new ArrayDeque<>();
  private static long written;
  private static boolean installed;

  private PostgresOutput() {}

  /** Starts keeping lines (once per JVM); without logback as the SLF4J backend, keeps none. */
  static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      PostgresOutput filter = new PostgresOutput();
      filter.setName("roster-postgres-output");
      filter.start();
      context.addTurboFilter(filter);
    }
  }

  /** A position in the output, for {@link #since}. */
  static synchronized long mark() {
    return written;
  }

  /** The lines kept that came after {@code mark} (at most the last 200). */
  static synchronized List<String> since(long mark) {
    int count = (int) Math.min(LINES.size(), written - mark);
    List<String> all = new ArrayList<>(LINES);
    return List.copyOf(all.subList(all.size() - count, all.size()));
  }

  static synchronized void record(String line) {
    if (LINES.size() == KEEP) {
      LINES.removeFirst();
    }
    LINES.addLast(line);
    written++;
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format,
      Object[] params, Throwable t) {
    if (format != null && logger != null && LOGGER.equals(logger.getName())) {
      record(format);
    }
    return FilterReply.NEUTRAL;
  }
}
