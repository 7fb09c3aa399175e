package dev.roster.testing;

import dev.roster.RosterServer;
import dev.roster.config.RosterConfig;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ManagedChannelBuilder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A real Roster server on a loopback port, backed by the test JVM's PostgreSQL, and a real gRPC
 * channel to it.
 */
public final class TestServer implements AutoCloseable {
  /** The platform-admin key every test server bootstraps. */
  public static final String ADMIN_KEY = "test-admin-key-0123456789abcdefghijklmnopqrstuvwxyz";

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
    env.put("ROSTER_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY);
    // Tests call fast; rate limiting is tested with per-key limits.
    env.put("ROSTER_RATE_LIMIT_PER_SECOND", "1000000");
    env.put("ROSTER_RATE_LIMIT_BURST", "1000000");
    env.put("ROSTER_DATABASE_URL", TestDatabase.jdbcUrl());
    env.put("ROSTER_DATABASE_USER", "postgres");
    env.put("ROSTER_SHUTDOWN_GRACE", "5s");
    env.put("ROSTER_DATA_DIR", tempDir().toString());
    env.putAll(extraEnv);
    return new TestServer(RosterServer.start(RosterConfig.from(env)));
  }

  private static java.nio.file.Path tempDir() {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("roster-test-");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public ManagedChannel channel() {
    return channel;
  }

  public int port() {
    return server.port();
  }

  /** AccountsService as the platform admin. */
  public AccountsServiceGrpc.AccountsServiceBlockingStub accounts() {
    return accounts(ADMIN_KEY);
  }

  /** AccountsService as the holder of {@code apiKey}. */
  public AccountsServiceGrpc.AccountsServiceBlockingStub accounts(String apiKey) {
    return AccountsServiceGrpc.newBlockingStub(channel).withCallCredentials(bearer(apiKey))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** ApiKeysService as the holder of {@code apiKey}. */
  public ApiKeysServiceGrpc.ApiKeysServiceBlockingStub apiKeys(String apiKey) {
    return ApiKeysServiceGrpc.newBlockingStub(channel).withCallCredentials(bearer(apiKey))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Credentials that send {@code authorization: Bearer <apiKey>}. */
  public static CallCredentials bearer(String apiKey) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + apiKey);
        applier.apply(headers);
      }
    };
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
