package dev.roster.fairness;

import dev.roster.RosterServer;
import dev.roster.config.RosterConfig;
import dev.roster.testing.TempDirs;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Roster server on a loopback port with the production defaults of every limit: unlike
 * {@code TestServer}, which lifts the rate limits for functional tests, only the database, the
 * port, the bootstrap admin key and the data directory are set here, plus whatever a scenario
 * passes in {@code overrides} (and says why). Tenants get their own channels ({@link #channel}),
 * one TCP connection each, as separate clients would.
 */
public final class FairnessServer implements AutoCloseable {
  /** The platform-admin key the harness uses to create tenants. */
  public static final String ADMIN_KEY = "fairness-admin-key-0123456789abcdefghijklmnopqrstuvwxyz";

  private final RosterServer server;
  private final Path dataDir;
  private final ManagedChannel adminChannel;

  private FairnessServer(RosterServer server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
    this.adminChannel = channel();
  }

  /**
   * Starts a server on {@code jdbcUrl} (user postgres, no password) with production defaults and
   * {@code overrides} on top.
   */
  public static FairnessServer start(String jdbcUrl, Map<String, String> overrides) {
    // Deleted by close(), or when the JVM exits if the start fails.
    Path dataDir = TempDirs.create("roster-fairness-");
    Map<String, String> env = new HashMap<>();
    env.put("ROSTER_GRPC_PORT", "0");
    env.put("ROSTER_ADMIN_PORT", "0");
    env.put("ROSTER_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY);
    env.put("ROSTER_DATABASE_URL", jdbcUrl);
    env.put("ROSTER_DATABASE_USER", "postgres");
    env.put("ROSTER_DATA_DIR", dataDir.toString());
    // A short grace: scenarios end by closing the server with attack calls still open.
    env.put("ROSTER_SHUTDOWN_GRACE", "2s");
    env.putAll(overrides);
    return new FairnessServer(RosterServer.start(RosterConfig.from(env)), dataDir);
  }

  /** A new channel (its own TCP connection from 127.0.0.1) to the server; the caller closes it. */
  public ManagedChannel channel() {
    return ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  /** The channel the admin sets tenants up through. */
  public ManagedChannel adminChannel() {
    return adminChannel;
  }

  public int port() {
    return server.port();
  }

  @Override
  public void close() throws InterruptedException {
    adminChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    TempDirs.delete(dataDir);
  }
}
