package dev.roster.testing;

import dev.roster.RosterServer;
import dev.roster.config.RosterConfig;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Roster server on a loopback port, backed by the test JVM's PostgreSQL, and a real gRPC
 * channel to it.
 */
public final class TestServer implements AutoCloseable {
  private final RosterServer server;
  private final ManagedChannel channel;

  private TestServer(RosterServer server) {
    this.server = server;
    this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  public static TestServer start() {
    return start(Map.of());
  }

  /** Starts a server with extra {@code ROSTER_*} settings on top of the test defaults. */
  public static TestServer start(Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("ROSTER_GRPC_PORT", "0");
    env.put("ROSTER_DATABASE_URL", TestDatabase.jdbcUrl());
    env.put("ROSTER_DATABASE_USER", "postgres");
    env.put("ROSTER_SHUTDOWN_GRACE", "5s");
    env.putAll(extraEnv);
    return new TestServer(RosterServer.start(RosterConfig.from(env)));
  }

  public ManagedChannel channel() {
    return channel;
  }

  public int port() {
    return server.port();
  }

  public AccountsServiceGrpc.AccountsServiceBlockingStub accounts() {
    return AccountsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public RosterServer server() {
    return server;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
