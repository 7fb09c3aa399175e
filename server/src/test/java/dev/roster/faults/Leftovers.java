package dev.roster.faults;

import dev.roster.testing.PostgresProcess;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a Roster leaves behind: its live threads in this JVM (every thread Roster names starts with
 * {@code roster-}, HikariCP's included, since they carry the pool name) and its PostgreSQL
 * sessions (every pool sets {@code application_name} to {@code roster-<pool>}). Thread sets that
 * are process-wide by design, a fixed number that does not grow with servers started and stopped,
 * are not counted: the Netty event loops ({@code roster-accept-N}, {@code roster-netty-N},
 * ConnectionCaps.EventLoops) and the statement-cancel threads ({@code roster-statement-cancel-N}).
 * An unnumbered {@code roster-statement-cancel} is a per-server pool and is counted.
 */
final class Leftovers {
  /** Fixed sets of threads shared by every server of the process, numbered by their factories. */
  private static final java.util.regex.Pattern PROCESS_WIDE =
      java.util.regex.Pattern.compile("roster-(accept|netty|statement-cancel)-\\d+");

  private Leftovers() {}

  /** Live threads of Roster in this JVM, by name (the harness's own roster-process-* excluded). */
  static List<String> rosterThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("roster-") && !n.startsWith("roster-process-")
            && !PROCESS_WIDE.matcher(n).matches())
        .sorted()
        .toList();
  }

  /** Roster threads alive now that were not in {@code before} (names compared as a multiset). */
  static List<String> newThreads(List<String> before) {
    List<String> now = new java.util.ArrayList<>(rosterThreads());
    before.forEach(now::remove);
    return now;
  }

  /** Roster's sessions in {@code postgres}, counted by application_name. */
  static Map<String, Integer> sessions(PostgresProcess postgres) {
    Map<String, Integer> sessions = new TreeMap<>();
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("""
            select application_name, count(*) from pg_stat_activity
             where application_name like 'roster-%' group by application_name""")) {
      while (r.next()) {
        sessions.put(r.getString(1), r.getInt(2));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not read pg_stat_activity", e);
    }
    return sessions;
  }

  /** Backend pids of Roster's sessions. */
  static List<Integer> sessionPids(PostgresProcess postgres) {
    try (Connection c = postgres.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery(
            "select pid from pg_stat_activity where application_name like 'roster-%'")) {
      List<Integer> pids = new java.util.ArrayList<>();
      while (r.next()) {
        pids.add(r.getInt(1));
      }
      return pids;
    } catch (SQLException e) {
      throw new IllegalStateException("could not read pg_stat_activity", e);
    }
  }

  static int total(Map<String, Integer> sessions) {
    return sessions.values().stream().mapToInt(Integer::intValue).sum();
  }
}
