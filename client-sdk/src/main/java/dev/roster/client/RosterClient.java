package dev.roster.client;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The Java client for Roster. Build one per process and share it; it is thread-safe and holds one
 * gRPC channel. Close it when done.
 *
 * <pre>{@code
 * try (RosterClient roster = RosterClient.newBuilder()
 *     .target("roster.internal:9090")
 *     .apiKey(System.getenv("ROSTER_API_KEY"))
 *     .build()) {
 *   User ada = roster.users().get("organizations/.../users/...");
 * }
 * }</pre>
 *
 * <p>Every call has a deadline ({@link Builder#defaultDeadline}), sends gzip and accepts gzip, and
 * idempotent calls are retried on UNAVAILABLE ({@link RetrySettings}). Failures are thrown as
 * {@link RosterException} subclasses. The generated gRPC stubs stay reachable through
 * {@link #channel()} for anything this API does not cover.
 */
public final class RosterClient implements AutoCloseable {
  private static final String VERSION = "0.1.0";

  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final Organizations organizations;
  private final Users users;
  private final ApiKeys apiKeys;
  private final Poller poller = new Poller();
  private final Operations operations;

  private RosterClient(ManagedChannel channel, boolean ownsChannel, Calls calls) {
    this.channel = channel;
    this.ownsChannel = ownsChannel;
    this.organizations = new Organizations(channel, calls);
    this.users = new Users(channel, calls);
    this.apiKeys = new ApiKeys(channel, calls);
    Calls bound = calls.withChannel(channel);
    this.operations = new Operations(bound, poller);
    this.users.attachExports(new Exports(bound, operations));
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /** Organizations: create, get, list, update, delete, undelete. */
  public Organizations organizations() {
    return organizations;
  }

  /** Users: create, get, list, batch get, lookup, update, delete, undelete, suspend, reactivate. */
  public Users users() {
    return users;
  }

  /** The organization's API keys: create, get, list, revoke. */
  public ApiKeys apiKeys() {
    return apiKeys;
  }

  /**
   * Long-running operations (google.longrunning.Operations): get, list, cancel, wait, and
   * {@link Operations#future} to follow one by name. Exports start with {@link Users#export}.
   */
  public Operations operations() {
    return operations;
  }

  /** The underlying channel, for the generated stubs ({@code AccountsServiceGrpc.newBlockingStub}). */
  public ManagedChannel channel() {
    return channel;
  }

  /**
   * Stops polling operations (futures still waiting fail) and stops the channel (if this client
   * built it), waiting up to 5 seconds for calls in flight.
   */
  @Override
  public void close() {
    poller.close();
    if (!ownsChannel) {
      return;
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Settings for a {@link RosterClient}; every setting has a sensible default but the target. */
  public static final class Builder {
    private String target;
    private boolean tls;
    private Path trustedCertificates;
    private Path clientCertificate;
    private Path clientKey;
    private String apiKey;
    private Duration defaultDeadline = Duration.ofSeconds(10);
    private boolean gzip = true;
    private String userAgent;
    private RetrySettings retry = RetrySettings.defaults();
    private ManagedChannel channel;

    private Builder() {}

    /**
     * Where Roster is: {@code host:port}, or {@code dns:///roster-headless.ns.svc:9090} for a
     * Kubernetes headless service, where calls are balanced round-robin over every pod address.
     */
    public Builder target(String target) {
      this.target = Objects.requireNonNull(target);
      return this;
    }

    /** Use TLS, trusting the JVM's default CAs (or {@link #trustedCertificates}). */
    public Builder useTls() {
      this.tls = true;
      return this;
    }

    /** Use TLS, trusting the CA certificates in this PEM file. */
    public Builder trustedCertificates(Path pemFile) {
      this.tls = true;
      this.trustedCertificates = pemFile;
      return this;
    }

    /** Present this client certificate and PKCS#8 key (PEM) for mTLS. */
    public Builder clientCertificate(Path certificateFile, Path keyFile) {
      this.tls = true;
      this.clientCertificate = certificateFile;
      this.clientKey = keyFile;
      return this;
    }

    /** The API key sent as {@code authorization: Bearer <key>} on every call. */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** Deadline of each call, all retries included (default 10 s). */
    public Builder defaultDeadline(Duration deadline) {
      this.defaultDeadline = Objects.requireNonNull(deadline);
      return this;
    }

    /** Do not gzip requests (responses are still accepted gzipped). */
    public Builder disableCompression() {
      this.gzip = false;
      return this;
    }

    /** Prepended to the user agent, e.g. {@code billing-service/4.2}. */
    public Builder userAgent(String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    /** How idempotent calls are retried (default {@link RetrySettings#defaults()}). */
    public Builder retrySettings(RetrySettings retry) {
      this.retry = Objects.requireNonNull(retry);
      return this;
    }

    /** No retries at all. */
    public Builder disableRetries() {
      this.retry = RetrySettings.none();
      return this;
    }

    /**
     * Use this channel instead of building one (the client will not close it). Target, TLS,
     * user-agent and retry settings do not apply then.
     */
    public Builder channel(ManagedChannel channel) {
      this.channel = channel;
      return this;
    }

    public RosterClient build() {
      Calls calls = new Calls(defaultDeadline, apiKey == null ? null : bearer(apiKey), gzip);
      if (channel != null) {
        return new RosterClient(channel, false, calls);
      }
      if (target == null) {
        throw new IllegalStateException("set a target (host:port or dns:///name:port)");
      }
      NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target)
          .userAgent((userAgent == null ? "" : userAgent + " ") + "roster-java/" + VERSION)
          .defaultServiceConfig(serviceConfig(retry))
          .maxRetryAttempts(5)
          .enableRetry();
      if (tls) {
        try {
          SslContextBuilder ssl = GrpcSslContexts.forClient();
          if (trustedCertificates != null) {
            ssl.trustManager(trustedCertificates.toFile());
          }
          if (clientCertificate != null) {
            ssl.keyManager(clientCertificate.toFile(), clientKey.toFile());
          }
          builder.sslContext(ssl.build());
        } catch (SSLException e) {
          throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
        }
      } else {
        builder.usePlaintext();
      }
      return new RosterClient(builder.build(), true, calls);
    }

    private static CallCredentials bearer(String apiKey) {
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

    /** gRPC service config: round-robin balancing, and retries for the idempotent methods. */
    static Map<String, Object> serviceConfig(RetrySettings retry) {
      List<Object> names = new ArrayList<>();
      for (String method : List.of("GetOrganization", "ListOrganizations", "CreateOrganization",
          "GetUser", "ListUsers", "BatchGetUsers", "LookupUser", "CreateUser")) {
        names.add(Map.of("service", "roster.accounts.v1.AccountsService", "method", method));
      }
      for (String method : List.of("GetApiKey", "ListApiKeys")) {
        names.add(Map.of("service", "roster.accounts.v1.ApiKeysService", "method", method));
      }
      Map<String, Object> methodConfig = new HashMap<>();
      methodConfig.put("name", names);
      if (retry.maxAttempts() > 1) {
        methodConfig.put("retryPolicy", Map.of(
            "maxAttempts", (double) retry.maxAttempts(),
            "initialBackoff", seconds(retry.initialBackoff()),
            "maxBackoff", seconds(retry.maxBackoff()),
            "backoffMultiplier", retry.multiplier(),
            "retryableStatusCodes", List.of("UNAVAILABLE")));
      }
      Map<String, Object> config = new HashMap<>();
      config.put("methodConfig", List.of(methodConfig));
      config.put("loadBalancingConfig", List.of(Map.of("round_robin", Map.of())));
      config.put("retryThrottling", Map.of("maxTokens", (double) retry.budgetTokens(),
          "tokenRatio", retry.budgetTokenRatio()));
      return config;
    }

    private static String seconds(Duration d) {
      return String.format(java.util.Locale.ROOT, "%.3fs", d.toNanos() / 1e9);
    }

  }
}
