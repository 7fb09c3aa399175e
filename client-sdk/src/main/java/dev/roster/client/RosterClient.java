package dev.roster.client;

import dev.failsafe.RateLimiter;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 * <p>Every call has a deadline, sends gzip and accepts gzip, and idempotent calls are retried with
 * backoff ({@link RetrySettings}) so that a restart of the server does not reach the caller.
 * Failures are thrown as {@link RosterException} subclasses. {@link #channel()} serves the
 * generated stubs for anything this API does not cover, with the key, gzip and a deadline.
 */
public final class RosterClient implements AutoCloseable {
  private static final String VERSION = "0.1.0";

  private final ManagedChannel managed;
  private final boolean ownsChannel;
  private final ScheduledExecutorService scheduler;
  private final Calls calls;
  private final Organizations organizations;
  private final Users users;
  private final ApiKeys apiKeys;
  private final Poller poller;
  private final Operations operations;

  private RosterClient(ManagedChannel managed, boolean ownsChannel,
      ScheduledExecutorService scheduler, Calls calls) {
    this.managed = managed;
    this.ownsChannel = ownsChannel;
    this.scheduler = scheduler;
    this.calls = calls;
    this.poller = new Poller(scheduler);
    this.organizations = new Organizations(calls);
    this.users = new Users(calls, poller);
    this.apiKeys = new ApiKeys(calls);
    this.operations = new Operations(calls, poller);
  }

  /**
   * A builder; only the target is required.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Organizations: create, get, list, update, delete, undelete.
   *
   * @return the organizations view
   */
  public Organizations organizations() {
    return organizations;
  }

  /**
   * Users: create, get, list, batch get, lookup, update, delete, undelete, suspend, reactivate.
   *
   * @return the users view
   */
  public Users users() {
    return users;
  }

  /**
   * The organization's API keys: create, get, list, revoke.
   *
   * @return the API keys view
   */
  public ApiKeys apiKeys() {
    return apiKeys;
  }

  /**
   * Long-running operations (google.longrunning.Operations): get, list, cancel, wait, and
   * {@link Operations#future} to follow one by name. Exports start with {@link Users#export}.
   *
   * @return the operations client
   */
  public Operations operations() {
    return operations;
  }

  /**
   * A channel for the generated stubs ({@code AccountsServiceGrpc.newBlockingStub(channel)}) that
   * carries what the SDK's own calls carry: the API key, gzip, the client's interceptors and, when
   * the stub sets none, the default deadline. Calls on it are not retried by the SDK.
   *
   * @return the decorated channel
   */
  public Channel channel() {
    return calls.decoratedChannel();
  }

  /**
   * Stops the channel (if this client built it), waiting up to 5 seconds for calls in flight, and
   * the timer of retries and polls; operation futures still polling fail.
   */
  @Override
  public void close() {
    poller.close();
    scheduler.shutdownNow();
    if (!ownsChannel) {
      return;
    }
    managed.shutdown();
    try {
      if (!managed.awaitTermination(5, TimeUnit.SECONDS)) {
        managed.shutdownNow();
      }
    } catch (InterruptedException e) {
      managed.shutdownNow();
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
    private Supplier<String> apiKey;
    private Duration defaultDeadline;
    private boolean gzip = true;
    private String userAgent;
    private RetrySettings retry = RetrySettings.defaults();
    private final Map<String, RetrySettings> perMethod = new HashMap<>();
    private int budgetRetries = 100;
    private Duration budgetPeriod = Duration.ofSeconds(10);
    private Duration keepAliveTime = Duration.ofSeconds(30);
    private Duration keepAliveTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofMinutes(30);
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private ContextPropagators propagators =
        ContextPropagators.create(W3CTraceContextPropagator.getInstance());
    private ManagedChannel channel;
    private StaticAddresses resolver;
    private boolean healthCheck = true;

    private Builder() {}

    /**
     * Where Roster is: {@code host:port}, or {@code dns:///roster-headless.ns.svc:9090} for a
     * Kubernetes headless service, where calls are balanced round-robin over every pod address,
     * or {@code static:///127.0.0.1:9091,127.0.0.1:9092} for a fixed list ({@link #addresses}).
     *
     * @param target a gRPC target
     * @return this builder
     */
    public Builder target(String target) {
      this.target = Objects.requireNonNull(target);
      return this;
    }

    /**
     * Several replicas by address, without DNS: the same as {@code
     * target("static:///127.0.0.1:9091,127.0.0.1:9092")}. Calls are balanced round-robin over
     * them and a replica whose health service says NOT_SERVING gets none. IP literals only.
     *
     * @param addresses {@code ip:port} of each replica ({@code [::1]:9090} for IPv6)
     * @return this builder
     * @throws IllegalArgumentException if an address is not {@code ip:port}
     */
    public Builder addresses(String... addresses) {
      if (addresses.length == 0) {
        throw new IllegalArgumentException("give at least one address");
      }
      String target = StaticAddresses.SCHEME + ":///" + String.join(",", addresses);
      StaticAddresses.parse(target);
      return target(target);
    }

    /**
     * Do not ask each replica's gRPC health service ({@code grpc.health.v1.Health}, service
     * {@code roster.accounts.v1.AccountsService}) whether it serves; by default a replica that
     * answers NOT_SERVING (database down, shutting down) is skipped until it serves again.
     *
     * @return this builder
     */
    public Builder disableHealthCheck() {
      this.healthCheck = false;
      return this;
    }

    /** Tests: addresses read again on each re-resolution, like a DNS name whose records change. */
    Builder resolver(java.util.function.Supplier<List<java.net.InetSocketAddress>> addresses) {
      this.resolver = StaticAddresses.from(addresses);
      return target(StaticAddresses.SCHEME + ":///test");
    }

    /**
     * Use TLS, trusting the JVM's default CAs (or {@link #trustedCertificates}).
     *
     * @return this builder
     */
    public Builder useTls() {
      this.tls = true;
      return this;
    }

    /**
     * Use TLS, trusting the CA certificates in this PEM file.
     *
     * @param pemFile the CA certificates
     * @return this builder
     */
    public Builder trustedCertificates(Path pemFile) {
      this.tls = true;
      this.trustedCertificates = pemFile;
      return this;
    }

    /**
     * Present this client certificate and PKCS#8 key (PEM) for mTLS.
     *
     * @param certificateFile the client certificate chain
     * @param keyFile its private key
     * @return this builder
     */
    public Builder clientCertificate(Path certificateFile, Path keyFile) {
      this.tls = true;
      this.clientCertificate = certificateFile;
      this.clientKey = keyFile;
      return this;
    }

    /**
     * The API key sent as {@code authorization: Bearer <key>} on every call.
     *
     * @param apiKey the key
     * @return this builder
     */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey == null ? null : () -> apiKey;
      return this;
    }

    /**
     * Where to read the API key, asked again for every call (off the gRPC threads), so a rotated
     * key needs no new client: {@code .apiKeyProvider(() -> secrets.current("roster"))}. A provider
     * that throws or returns nothing fails the call with UNAUTHENTICATED.
     *
     * @param provider the source of the key
     * @return this builder
     */
    public Builder apiKeyProvider(Supplier<String> provider) {
      this.apiKey = Objects.requireNonNull(provider);
      return this;
    }

    /**
     * The deadline of a call that is not retried, and of each attempt of one that is (default
     * 10 s; the retried call as a whole ends within {@link RetrySettings#totalTimeout()}).
     *
     * @param deadline the deadline
     * @return this builder
     */
    public Builder defaultDeadline(Duration deadline) {
      this.defaultDeadline = Objects.requireNonNull(deadline);
      return this;
    }

    /**
     * Do not gzip requests (responses are still accepted gzipped).
     *
     * @return this builder
     */
    public Builder disableCompression() {
      this.gzip = false;
      return this;
    }

    /**
     * Prepended to the user agent, e.g. {@code billing-service/4.2}.
     *
     * @param userAgent the caller's name and version
     * @return this builder
     */
    public Builder userAgent(String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    /**
     * How idempotent calls are retried (default {@link RetrySettings#defaults()}).
     *
     * @param retry the settings of every method without settings of its own
     * @return this builder
     */
    public Builder retrySettings(RetrySettings retry) {
      this.retry = Objects.requireNonNull(retry);
      return this;
    }

    /**
     * Retry settings of one method, by its name ({@code "ListUsers"}) or full name
     * ({@code "roster.accounts.v1.AccountsService/ListUsers"}).
     *
     * @param method the method
     * @param retry its settings
     * @return this builder
     * @throws IllegalArgumentException if no Roster method has that name (a typo would otherwise
     *     leave the method on the client's settings without a word)
     */
    public Builder retrySettings(String method, RetrySettings retry) {
      Objects.requireNonNull(method);
      if (!METHODS.contains(method)) {
        throw new IllegalArgumentException("no Roster method is named \"" + method
            + "\"; give its name (\"ListUsers\") or full name"
            + " (\"roster.accounts.v1.AccountsService/ListUsers\")");
      }
      perMethod.put(method, Objects.requireNonNull(retry));
      return this;
    }

    /** Every method's name and full name, of the services the client calls. */
    private static final java.util.Set<String> METHODS = methods();

    private static java.util.Set<String> methods() {
      java.util.Set<String> names = new java.util.HashSet<>();
      for (io.grpc.ServiceDescriptor service : List.of(
          dev.roster.proto.accounts.v1.AccountsServiceGrpc.getServiceDescriptor(),
          dev.roster.proto.accounts.v1.ApiKeysServiceGrpc.getServiceDescriptor(),
          com.google.longrunning.OperationsGrpc.getServiceDescriptor())) {
        for (io.grpc.MethodDescriptor<?, ?> m : service.getMethods()) {
          names.add(m.getFullMethodName());
          names.add(m.getBareMethodName());
        }
      }
      return java.util.Set.copyOf(names);
    }

    /**
     * No retries at all.
     *
     * @return this builder
     */
    public Builder disableRetries() {
      this.retry = RetrySettings.none();
      perMethod.clear();
      return this;
    }

    /**
     * The retry budget: at most {@code maxRetries} retries per {@code period} across the client
     * (default 100 per 10 s), so that a server in trouble is not flooded with retries. The budget
     * refills every period; a call that finds it empty fails with its last error.
     *
     * @param maxRetries retries allowed per period (at least 1)
     * @param period the refill period
     * @return this builder
     */
    public Builder retryBudget(int maxRetries, Duration period) {
      if (maxRetries < 1 || period.isNegative() || period.isZero()) {
        throw new IllegalArgumentException("retry budget needs maxRetries >= 1 and a positive period");
      }
      this.budgetRetries = maxRetries;
      this.budgetPeriod = period;
      return this;
    }

    /**
     * HTTP/2 keepalive: a ping after {@code time} without traffic, the connection dropped if it is
     * not answered within {@code timeout} (default 30 s and 10 s), so a peer that vanished is noticed
     * and the next call reconnects. Roster accepts pings every 20 s or more.
     *
     * @param time idle time before a ping
     * @param timeout how long to wait for its answer
     * @return this builder
     */
    public Builder keepAlive(Duration time, Duration timeout) {
      this.keepAliveTime = Objects.requireNonNull(time);
      this.keepAliveTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /**
     * Close the connection after this long without calls (default 30 min); the next call opens it
     * again.
     *
     * @param idle the idle time
     * @return this builder
     */
    public Builder idleTimeout(Duration idle) {
      this.idleTimeout = Objects.requireNonNull(idle);
      return this;
    }

    /**
     * Interceptors around every call and every attempt (e.g. for tracing), outermost first.
     *
     * @param interceptors the interceptors
     * @return this builder
     */
    public Builder intercept(ClientInterceptor... interceptors) {
      this.interceptors.addAll(List.of(interceptors));
      return this;
    }

    /**
     * How the caller's trace context ({@code io.opentelemetry.context.Context.current()} where a call
     * starts) travels to the server in each call's metadata. By default W3C Trace Context (the
     * {@code traceparent} and {@code tracestate} headers), so calls made inside a span join its
     * trace; {@code ContextPropagators.noop()} sends nothing.
     *
     * @param propagators the propagators
     * @return this builder
     */
    public Builder propagators(ContextPropagators propagators) {
      this.propagators = Objects.requireNonNull(propagators);
      return this;
    }

    /**
     * The propagators of {@code openTelemetry} ({@link #propagators}), e.g. an SDK configured with
     * W3C Trace Context and Baggage.
     *
     * @param openTelemetry the application's OpenTelemetry
     * @return this builder
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry) {
      return propagators(openTelemetry.getPropagators());
    }

    /**
     * Use this channel instead of building one (the client will not close it). Target, TLS,
     * user-agent and keepalive settings do not apply then.
     *
     * @param channel the channel
     * @return this builder
     */
    public Builder channel(ManagedChannel channel) {
      this.channel = channel;
      return this;
    }

    /**
     * Builds the client and its channel (connecting lazily, on the first call).
     *
     * @return the client
     */
    public RosterClient build() {
      ManagedChannel managed = channel != null ? channel : buildChannel();
      ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "roster-client-timer");
        t.setDaemon(true);
        return t;
      });
      // Propagation is innermost: it writes the context current when each attempt starts, after
      // (and over) anything the client's own interceptors wrote.
      Channel intercepted = ClientInterceptors.intercept(
          ClientInterceptors.intercept(managed, new TracePropagation(propagators)),
          reversed(interceptors).toArray(new ClientInterceptor[0]));
      Calls.Shared shared = new Calls.Shared(intercepted, managed,
          apiKey == null ? null : bearer(apiKey), gzip, withDeadline(retry),
          withDeadlines(perMethod),
          RateLimiter.burstyBuilder(budgetRetries, budgetPeriod).build(), scheduler);
      return new RosterClient(managed, channel == null, scheduler, new Calls(shared));
    }

    private ManagedChannel buildChannel() {
      if (target == null) {
        throw new IllegalStateException("set a target (host:port or dns:///name:port)");
      }
      NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target)
          .userAgent((userAgent == null ? "" : userAgent + " ") + "roster-java/" + VERSION)
          .defaultLoadBalancingPolicy("round_robin")
          .defaultServiceConfig(serviceConfig(healthCheck))
          .keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS)
          .idleTimeout(idleTimeout.toNanos(), TimeUnit.NANOSECONDS)
          .disableRetry();
      if (StaticAddresses.isStatic(target)) {
        useResolver(builder,
            resolver != null ? resolver : StaticAddresses.forTarget(target));
      }
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
      return builder.build();
    }

    /**
     * round_robin, plus client-side health checking (gRFC A17, grpc-services' balancer): each
     * subchannel watches the replica's health service and gets no calls while it is NOT_SERVING.
     */
    static Map<String, ?> serviceConfig(boolean healthCheck) {
      Map<String, Object> config = new HashMap<>();
      config.put("loadBalancingConfig", List.of(Map.of("round_robin", Map.of())));
      if (healthCheck) {
        config.put("healthCheckConfig", Map.of("serviceName",
            dev.roster.proto.accounts.v1.AccountsServiceGrpc.SERVICE_NAME));
      }
      return config;
    }

    /** This channel's own resolver for {@code static:}, not a global registration (decision 73). */
    @SuppressWarnings("deprecation")
    private static void useResolver(NettyChannelBuilder builder, StaticAddresses resolver) {
      builder.nameResolverFactory(resolver);
    }

    private RetrySettings withDeadline(RetrySettings s) {
      if (defaultDeadline == null) {
        return s;
      }
      RetrySettings.Builder b = s.toBuilder().setAttemptTimeout(defaultDeadline);
      if (s.totalTimeout().compareTo(defaultDeadline) < 0) {
        b.setTotalTimeout(defaultDeadline);
      }
      return b.build();
    }

    private Map<String, RetrySettings> withDeadlines(Map<String, RetrySettings> settings) {
      Map<String, RetrySettings> out = new HashMap<>();
      settings.forEach((method, s) -> out.put(method, withDeadline(s)));
      return Map.copyOf(out);
    }

    private static List<ClientInterceptor> reversed(List<ClientInterceptor> list) {
      List<ClientInterceptor> out = new ArrayList<>(list);
      java.util.Collections.reverse(out);
      return out;
    }

    private static CallCredentials bearer(Supplier<String> apiKey) {
      Metadata.Key<String> authorization =
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
      return new CallCredentials() {
        @Override
        public void applyRequestMetadata(RequestInfo info, Executor executor,
            MetadataApplier applier) {
          executor.execute(() -> {
            String key;
            try {
              key = apiKey.get();
            } catch (RuntimeException e) {
              applier.fail(Status.UNAUTHENTICATED
                  .withDescription("the API key provider failed: " + e).withCause(e));
              return;
            }
            if (key == null || key.isBlank()) {
              applier.fail(Status.UNAUTHENTICATED
                  .withDescription("the API key provider returned no key"));
              return;
            }
            Metadata headers = new Metadata();
            headers.put(authorization, "Bearer " + key);
            applier.apply(headers);
          });
        }
      };
    }
  }
}
