package dev.roster.testing;

import dev.roster.RosterServer;
import dev.roster.config.RosterConfig;
import dev.roster.observability.Tracing;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ManagedChannelBuilder;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Roster server, backed by the test JVM's PostgreSQL, and a real gRPC channel to it: on a
 * loopback port by default, or in-process ({@link Builder#inProcess}) where the network is not the
 * point. {@link Builder#clock} gives it a clock the test moves.
 */
public final class TestServer implements AutoCloseable {
  /** The platform-admin key every test server bootstraps. */
  public static final String ADMIN_KEY = "test-admin-key-0123456789abcdefghijklmnopqrstuvwxyz";

  private final RosterServer server;
  private final ManagedChannel channel;

  private TestServer(RosterServer server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
  }

  public static TestServer start() {
    return start(Map.of());
  }

  /** Starts a server with extra {@code ROSTER_*} settings on top of the test defaults. */
  public static TestServer start(Map<String, String> extraEnv) {
    return builder().env(extraEnv).start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings, clock and transport of a {@link TestServer}. */
  public static final class Builder {
    private static final AtomicInteger IN_PROCESS = new AtomicInteger();
    private final Map<String, String> env = new HashMap<>();
    private Clock clock;
    private boolean inProcess;
    private Tracing tracing;

    private Builder() {}

    /** The server's traces (see {@link RosterServer.Builder#tracing}); tests of spans pass
     * {@link Tracing#withSpanProcessor} over an in-memory exporter. The server closes it. */
    public Builder tracing(Tracing tracing) {
      this.tracing = tracing;
      return this;
    }

    /** Extra {@code ROSTER_*} settings on top of the test defaults. */
    public Builder env(Map<String, String> extraEnv) {
      env.putAll(extraEnv);
      return this;
    }

    /** The server's clock (see {@link RosterServer.Builder#clock}); a {@link MutableClock} usually. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Serves in-process instead of on a loopback port (no transport limits, no TLS). */
    public Builder inProcess() {
      this.inProcess = true;
      return this;
    }

    public TestServer start() {
      RosterServer.Builder roster = RosterServer.builder(RosterConfig.from(environment(env)));
      if (clock != null) {
        roster.clock(clock);
      }
      if (tracing != null) {
        roster.tracing(tracing);
      }
      if (!inProcess) {
        RosterServer server = roster.start();
        return new TestServer(server,
            ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build());
      }
      String name = "roster-test-" + IN_PROCESS.incrementAndGet();
      RosterServer server = roster.serverBuilder(InProcessServerBuilder.forName(name)).start();
      return new TestServer(server, InProcessChannelBuilder.forName(name).build());
    }
  }

  private static Map<String, String> environment(Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("ROSTER_GRPC_PORT", "0");
    env.put("ROSTER_ADMIN_PORT", "0");
    env.put("ROSTER_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY);
    // Tests call fast; rate limits and fairness limits are tested with small ones of their own.
    CallerLimits.lift(env);
    env.put("ROSTER_MAX_WAITS_PER_KEY", "1000");
    env.put("ROSTER_DATABASE_URL", TestDatabase.jdbcUrl());
    env.put("ROSTER_DATABASE_USER", "postgres");
    env.put("ROSTER_SHUTDOWN_GRACE", "5s");
    env.put("ROSTER_DATA_DIR", tempDir().toString());
    env.putAll(extraEnv);
    return env;
  }

  private static java.nio.file.Path tempDir() {
    return TempDirs.create("roster-test-");
  }

  public ManagedChannel channel() {
    return channel;
  }

  /** The admin HTTP port ({@code /metrics}, {@code /livez}, {@code /readyz}), always on loopback too. */
  public int adminPort() {
    return server.adminPort();
  }

  /** The loopback port; -1 in-process. */
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
