package dev.roster.client;

import dev.roster.RosterServer;
import dev.roster.config.RosterConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

/** A real Roster server for SDK tests, on a fixed loopback port so it can be restarted there. */
final class RosterTestServer implements AutoCloseable {
  static final String ADMIN_KEY = "sdk-test-admin-key-0123456789abcdefghijklmnopqrstuvwxyz";
  private static EmbeddedPostgres postgres;

  private final int port;
  private final Map<String, String> extraEnv;
  private RosterServer server;

  private RosterTestServer(int port, Map<String, String> extraEnv) {
    this.port = port;
    this.extraEnv = extraEnv;
    start();
  }

  static RosterTestServer start(Map<String, String> extraEnv) {
    return new RosterTestServer(freePort(), extraEnv);
  }

  int port() {
    return port;
  }

  String target() {
    return "127.0.0.1:" + port;
  }

  /** Starts (again) on the same port. */
  void start() {
    Map<String, String> env = new HashMap<>();
    env.put("ROSTER_GRPC_PORT", Integer.toString(port));
    env.put("ROSTER_ADMIN_PORT", "0");
    env.put("ROSTER_DATABASE_URL", postgres().getJdbcUrl("postgres", "postgres"));
    env.put("ROSTER_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY);
    env.put("ROSTER_RATE_LIMIT_PER_SECOND", "100000");
    env.put("ROSTER_RATE_LIMIT_BURST", "100000");
    env.put("ROSTER_SHUTDOWN_GRACE", "1s");
    env.putAll(extraEnv);
    server = RosterServer.start(RosterConfig.from(env));
  }

  /** Stops the server; the database stays. */
  void stop() {
    server.close();
  }

  @Override
  public void close() {
    stop();
  }

  /** The shared PostgreSQL, for tests that need more rows than the API writes in good time. */
  static javax.sql.DataSource database() {
    return postgres().getPostgresDatabase();
  }

  private static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return postgres;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
