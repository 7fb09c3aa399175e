package dev.roster;

import com.google.common.util.concurrent.MoreExecutors;
import dev.roster.access.Access;
import dev.roster.access.RateLimit;
import dev.roster.accounts.Accounts;
import dev.roster.accounts.ExportSettings;
import dev.roster.config.RosterConfig;
import dev.roster.jobs.JobQueue;
import dev.roster.jobs.Workers;
import dev.roster.mail.EmlFileMailer;
import dev.roster.mail.Mailer;
import dev.roster.mail.SmtpMailer;
import dev.roster.observability.AdminServer;
import dev.roster.observability.Metrics;
import dev.roster.observability.Tracing;
import dev.roster.platform.JvmShutdown;
import dev.roster.platform.db.DatabaseAvailability;
import dev.roster.platform.db.DatabaseProbe;
import dev.roster.platform.db.DatabasePools;
import dev.roster.platform.db.DatabasePools.Pool;
import dev.roster.platform.paging.PageTokens;
import dev.roster.platform.paging.SigningKeys;
import dev.roster.rpc.AccountsHandler;
import dev.roster.rpc.ApiKeysHandler;
import dev.roster.server.AuthBrake;
import dev.roster.server.AuthInterceptor;
import dev.roster.server.BulkheadInterceptor;
import dev.roster.server.CallLogging;
import dev.roster.server.CallShedding;
import dev.roster.server.ClientAddress;
import dev.roster.server.DeadlineInterceptor;
import dev.roster.server.RateLimiter;
import dev.roster.server.CompressionInterceptor;
import dev.roster.server.DatabaseGate;
import dev.roster.server.ErrorInterceptor;
import dev.roster.server.HealthReporter;
import dev.roster.server.MessageDecoding;
import dev.roster.rpc.OperationsHandler;
import dev.roster.server.ServerTransport;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: configuration, then the database, then the contexts, then the gRPC
 * handlers and server. {@link #close()} is the graceful stop that SIGTERM triggers.
 */
public final class RosterServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RosterServer.class);

  private final Server server;
  private final DatabaseProbe probe;
  private final HealthReporter health;
  private final Storage storage;
  private static final AtomicInteger CALL_THREAD = new AtomicInteger();
  private static final AtomicInteger WAIT_THREAD = new AtomicInteger();
  private static final int WAIT_THREADS = 2;

  private final Workers workers;
  private final ExecutorService callThreads;
  private final ScheduledExecutorService waits;
  private final Duration grace;
  private final CallShedding shedding;
  private final Metrics metrics;
  private final AdminServer admin;
  private final Tracing tracing;

  private RosterServer(Server server, DatabaseProbe probe, HealthReporter health, Storage storage,
      Workers workers, ExecutorService callThreads, ScheduledExecutorService waits, Duration grace,
      CallShedding shedding, Metrics metrics, AdminServer admin, Tracing tracing) {
    this.tracing = tracing;
    this.metrics = metrics;
    this.admin = admin;
    this.shedding = shedding;
    this.probe = probe;
    this.server = server;
    this.health = health;
    this.storage = storage;
    this.workers = workers;
    this.callThreads = callThreads;
    this.waits = waits;
    this.grace = grace;
  }

  /** Starts everything described by {@code config}; the returned server is already listening. */
  public static RosterServer start(RosterConfig config) {
    return builder(config).start();
  }

  /**
   * A server for {@code config} whose clock and transport can be replaced (tests pass a clock
   * they move and an in-process transport); without those it is what {@link #start} starts.
   */
  public static Builder builder(RosterConfig config) {
    return new Builder(config);
  }

  /** Chooses the time source and the transport of a {@link RosterServer}, then starts it. */
  public static final class Builder {
    private final RosterConfig config;
    private Clock clock;
    private ServerBuilder<?> serverBuilder;
    private Tracing tracing;

    private Builder(RosterConfig config) {
      this.config = config;
    }

    /**
     * The clock the server reads: timestamps, key and page-token expiry, rate-limit refill. A given
     * clock also measures the durations the server waits out (auth cache TTL, WaitOperation's
     * timeout), so moving it moves them. By default timestamps come from the system UTC clock and
     * durations from {@link System#nanoTime}, which, unlike a wall clock, never jumps. Jobs are
     * timed by the database's clock (due, alive, timed out), which this does not move.
     */
    public Builder clock(Clock clock) {
      this.clock = java.util.Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The gRPC server builder to add Roster's services to, taken as it is: the port, limits and
     * TLS of {@link ServerTransport#builder} apply only to the default. Tests pass an in-process
     * builder where the network is not the point.
     */
    public Builder serverBuilder(ServerBuilder<?> serverBuilder) {
      this.serverBuilder = java.util.Objects.requireNonNull(serverBuilder, "serverBuilder");
      return this;
    }

    /**
     * The traces of the server (it closes them when it stops). By default
     * {@link Tracing#fromEnvironment()}: exported by OTLP when the {@code OTEL_*} variables say so,
     * else not recorded at all. Tests pass {@link Tracing#withSpanProcessor} to see the spans.
     */
    public Builder tracing(Tracing tracing) {
      this.tracing = java.util.Objects.requireNonNull(tracing, "tracing");
      return this;
    }

    /**
     * Opens the database, starts the job workers if the role runs jobs, and starts serving.
     *
     * @throws UncheckedIOException if the server cannot listen or its TLS files cannot be read
     * @throws RuntimeException whatever opening the database or migrating it throws
     */
    public RosterServer start() {
      Clock clock = this.clock != null ? this.clock : Clock.systemUTC();
      LongSupplier nanoTime = this.clock != null ? () -> epochNanos(clock) : System::nanoTime;
      return RosterServer.start(config, clock, nanoTime,
          serverBuilder != null ? serverBuilder : ServerTransport.builder(config),
          tracing != null ? tracing : Tracing.fromEnvironment());
    }

    private static long epochNanos(Clock clock) {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
  }

  private static AuthBrake authBrake(Access access, RosterConfig config, Clock clock) {
    RosterConfig.AuthBrake brake = config.security().authBrake();
    return new AuthBrake(access, new AuthBrake.Limits(brake.failureBurst(),
        brake.failuresPerSecond(), brake.unknownKeyBurst(), brake.unknownKeysPerSecond()), clock);
  }

  private static RosterServer start(RosterConfig config, Clock clock, LongSupplier nanoTime,
      ServerBuilder<?> transport, Tracing tracing) {
    // Before the pools: HikariCP takes its metrics hook only when a pool starts.
    Metrics metrics = new Metrics(config.metricsTopOrganizations());
    Storage storage;
    try {
      storage = Storage.open(config, config.metricsEnabled() ? metrics.poolTimings() : null);
    } catch (RuntimeException e) {
      metrics.close();
      tracing.close();
      throw e;
    }
    DatabaseProbe probe = null;
    HealthReporter health = null;
    Workers workers = null;
    ExecutorService callThreads = null;
    CallShedding shedding = null;
    ScheduledExecutorService waits = null;
    AdminServer admin = null;
    try {
      pauseForTests();
      JvmShutdown.abortStartIfInProgress("starting the services");
      DatabasePools pools = storage.pools();
      // A span per statement, under the call's or job's span (none without one: DECISIONS 67).
      pools.pools().forEach(pool ->
          pools.jdbi(pool).addCustomizer(tracing.sqlSpans(pool.poolName())));
      // The probe has a connection of its own, so it is never queued behind calls or jobs. Its
      // verdict drives health and refuses calls at the door while the database is down.
      probe = DatabaseProbe.start(storage.settings(), config.healthCheckInterval(),
          config.healthCheckTimeout());
      DatabaseAvailability database = probe.availability();
      database.onChange(pools::availabilityChanged);
      health = new HealthReporter(database, config.jobs().role().servesApi());
      // The contexts' handle: the API pool, or in a worker (no API) the jobs pool, which then
      // serves only the start-up work below.
      Jdbi main = pools.jdbi(pools.has(Pool.API) ? Pool.API : Pool.JOBS);
      JobQueue jobs = new JobQueue(main, tracing.tracer());
      metrics.observe(pools);
      metrics.observe(jobs);
      Accounts accounts = new Accounts(main, clock, jobs, new ExportSettings(
          config.exports().maxActivePerOrganization(), config.exports().retention()));
      Access access = new Access(main, pools.has(Pool.AUTH) ? pools.jdbi(Pool.AUTH) : main,
          accounts, clock, config.security().authCacheTtl(), nanoTime,
          config.security().maxKeysPerOrganization());
      config.security().bootstrapAdminKey().ifPresent(access::ensureBootstrapAdminKey);
      SigningKeys keys = config.pageTokenKeys().isEmpty()
          ? SigningKeys.fromDatabase(main, clock)
          : SigningKeys.fromConfig(config.pageTokenKeys());
      PageTokens pageTokens = new PageTokens(keys, clock, config.pageTokenTtl());

      // Listed innermost first: a call meets the database gate (refused at once while the
      // database is down), compression, error translation, the deadline, authentication, the
      // per-key and per-organization bulkheads, then the handler.
      RateLimit defaultLimit = new RateLimit(
          config.security().rateLimitPerSecond(), config.security().rateLimitBurst());
      RosterConfig.Admission admission = config.admission();
      RateLimiter rateLimiter = new RateLimiter(defaultLimit, Optional.of(new RateLimit(
          admission.organizationRateLimitPerSecond(), admission.organizationRateLimitBurst())),
          clock);
      ServerInterceptor[] interceptors = {
          new BulkheadInterceptor(admission.maxCallsInFlightPerKey(),
              admission.maxCallsInFlightPerOrganization(),
              config.databasePoolSize() - admission.databaseReadReserve(),
              config.databaseAcquireTimeout(), rateLimiter),
          new AuthInterceptor(authBrake(access, config, clock),
              new ClientAddress(config.security().trustedProxies()), rateLimiter),
          new DeadlineInterceptor(config.limits().defaultDeadline(), admission.maxDeadline()),
          new ErrorInterceptor(database::up),
          new CompressionInterceptor(),
          new DatabaseGate(database)};
      // The queue is unbounded so that tasks of admitted calls are never rejected; CallShedding
      // refuses new calls while it holds ROSTER_CALL_QUEUE of them.
      callThreads = new ThreadPoolExecutor(config.limits().callThreads(),
          config.limits().callThreads(), 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
          daemon("roster-call-", CALL_THREAD));
      shedding = new CallShedding((ThreadPoolExecutor) callThreads, admission.callQueue());
      // WaitOperation re-checks here instead of holding a call thread; the checks are short reads.
      waits = Executors.newScheduledThreadPool(WAIT_THREADS, daemon("roster-wait-", WAIT_THREAD));
      ((ScheduledThreadPoolExecutor) waits).setRemoveOnCancelPolicy(true);
      // The default executor only starts each call: the method lookup and CallShedding's O(1)
      // choice of executor run inline on the transport thread, then gRPC moves the call to the
      // executor chosen (call threads, or the shed thread), so an admitted call costs one thread
      // hand-off, as before shedding. Health (never shed) stays there too: it only reads memory.
      if (config.metricsEnabled()) {
        metrics.instrument(transport);
        // Outside authentication, so it sees refusals by the rate limits and bulkheads too.
        metrics.organizationCalls().ifPresent(transport::intercept);
      }
      var builder = transport
          .executor(MoreExecutors.directExecutor())
          .callExecutor(shedding)
          .intercept(shedding);
      if (config.metricsEnabled()) {
        // Outside shedding: it sees every refusal, shedding's included.
        builder.intercept(metrics.refusals());
      }
      // The MDC of every call, and one (budgeted) log line per failed call.
      builder.intercept(new CallLogging(clock, nanoTime))
          // Outermost: every call gets its server span (refused ones too), current on the threads
          // that run its listener (so handlers' SQL spans are its children, log lines carry its ids).
          .intercept(tracing.serverInterceptor())
          .addService(health.service())
          .addService(ProtoReflectionServiceV1.newInstance())
          .addService(ProtoReflectionService.newInstance());
      if (config.jobs().role().servesApi()) {
        // Requests are decoded inside the chain, so undecodable or inflating ones get clean errors.
        int maxMessageBytes = config.limits().maxMessageBytes();
        builder.addService(MessageDecoding.decodedInChain(ServerInterceptors.intercept(
                new AccountsHandler(accounts, pageTokens), interceptors), maxMessageBytes))
            .addService(MessageDecoding.decodedInChain(ServerInterceptors.intercept(
                new ApiKeysHandler(access, pageTokens, defaultLimit), interceptors), maxMessageBytes))
            .addService(MessageDecoding.decodedInChain(ServerInterceptors.intercept(
                new OperationsHandler(accounts, pageTokens, waits, nanoTime,
                    admission.maxWaitsPerKey()), interceptors),
                maxMessageBytes));
      }
      if (config.jobs().role().runsJobs()) {
        workers = startWorkers(config, pools, accounts, metrics, tracing);
      }
      JvmShutdown.abortStartIfInProgress("listening for gRPC");
      Server server = builder.build().start();
      HealthReporter reporter = health;
      try {
        admin = AdminServer.start(config.adminPort(),
            config.metricsEnabled() ? Optional.of(metrics) : Optional.empty(), reporter::serving);
      } catch (IOException e) {
        server.shutdownNow();
        throw new UncheckedIOException("could not listen on admin port " + config.adminPort(), e);
      }
      log.info("Roster ({}) listening for gRPC on port {}, admin HTTP on port {}",
          config.jobs().role().name().toLowerCase(java.util.Locale.ROOT), server.getPort(),
          admin.port());
      return new RosterServer(server, probe, health, storage, workers, callThreads, waits,
          config.shutdownGrace(), shedding, metrics, admin, tracing);
    } catch (IOException e) {
      metrics.close();
      tracing.close();
      closeQuietly(probe, health, workers, storage, Duration.ZERO);
      shutdown(callThreads);
      shutdown(waits);
      shutdown(shedding);
      throw new UncheckedIOException("could not listen on port " + config.grpcPort(), e);
    } catch (RuntimeException e) {
      metrics.close();
      tracing.close();
      closeQuietly(probe, health, workers, storage, Duration.ZERO);
      shutdown(callThreads);
      shutdown(waits);
      shutdown(shedding);
      throw e;
    }
  }

  /**
   * Test-only: {@code -Droster.test.pauseAfterDatabase=30s} holds start-up here, with the database
   * up and gRPC not yet listening, so a test can signal the JVM at that moment; a shutdown ends
   * the pause at once. Unset (always, outside tests), it does nothing.
   */
  private static void pauseForTests() {
    String value = System.getProperty("roster.test.pauseAfterDatabase", "").trim();
    if (value.isEmpty()) {
      return;
    }
    Duration pause = Duration.parse("PT" + value.toUpperCase(java.util.Locale.ROOT));
    log.info("start-up paused for {} after the database (roster.test.pauseAfterDatabase)", pause);
    long end = System.nanoTime() + pause.toNanos();
    while (System.nanoTime() - end < 0 && !JvmShutdown.inProgress()) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static ThreadFactory daemon(String prefix, AtomicInteger counter) {
    return r -> {
      Thread t = new Thread(r, prefix + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static Workers startWorkers(RosterConfig config, DatabasePools pools, Accounts accounts,
      Metrics metrics, Tracing tracing) {
    RosterConfig.Mail mail = config.mail();
    Mailer mailer = mail.smtpHost().isPresent()
        ? new SmtpMailer(mail.smtpHost().get(), mail.smtpPort(), mail.startTls(), mail.username(),
            mail.password(), mail.from(), Duration.ofSeconds(30))
        : new EmlFileMailer(config.dataDir().resolve("mail"), mail.from());
    // Temporary files of writes cut short by a killed process (old enough not to be another
    // live process's, when several share the directory).
    if (mailer instanceof EmlFileMailer eml) {
      eml.sweep(Clock.systemUTC());
    }
    accounts.sweepPartialExports(config.dataDir().resolve("exports"));
    int concurrency = config.jobs().queues().values().stream().mapToInt(Integer::intValue).sum();
    if (config.databaseJobsPoolSize() < concurrency) {
      log.warn("ROSTER_DATABASE_JOBS_POOL_SIZE={} is under the {} jobs ROSTER_QUEUES may run at once;"
          + " jobs will wait for connections", config.databaseJobsPoolSize(), concurrency);
    }
    // Handlers and their outcomes on the jobs pool; claims and heartbeats on a pool of their own.
    Workers.Builder workers = Workers.builder(pools.jdbi(Pool.JOBS))
        .control(pools.jdbi(Pool.JOBS_CONTROL))
        .rescueAfter(config.jobs().rescueAfter())
        .pruneAfter(config.jobs().pruneAfter())
        .shutdownGrace(config.shutdownGrace())
        .meter(metrics.meter())
        .tracer(tracing.tracer());
    config.jobs().queues().forEach(workers::queue);
    accounts.jobHandlers(pools.jdbi(Pool.JOBS), mailer, mail.dailyQuotaPerOrganization(),
        config.dataDir().resolve("exports"))
        .forEach(workers::handler);
    // A cron period must be shorter than the prune age (a pruned job frees its unique key).
    Duration halfPrune = config.jobs().pruneAfter().dividedBy(2);
    accounts.recurringJobs().forEach(e -> workers.cron(e.name(),
        e.period().compareTo(halfPrune) < 0 ? e.period() : max(halfPrune, Duration.ofSeconds(1)),
        e.request()));
    return workers.start();
  }

  /**
   * The port the gRPC server listens on (useful when the configured port was 0); -1 for a
   * transport without ports, such as in-process.
   */
  public int port() {
    return server.getPort();
  }

  /** The port of the admin HTTP server ({@code /metrics}, {@code /livez}, {@code /readyz}). */
  public int adminPort() {
    return admin.port();
  }

  /**
   * Calls admitted but still waiting for a call thread; new calls are refused while it is at
   * {@code ROSTER_CALL_QUEUE}. For metrics and tests.
   */
  public int callsWaiting() {
    return ((java.util.concurrent.ThreadPoolExecutor) callThreads).getQueue().size();
  }

  /**
   * Ends every statement running on this process's pools at once by aborting their connections
   * ({@link DatabasePools#abortRunning}): the calls and jobs blocked in them fail with UNAVAILABLE
   * now instead of at the socket timeout. For when the database is known to be down; never blocks.
   *
   * @return the number of connections aborted
   */
  public int abortRunningStatements() {
    return storage.pools().abortRunning();
  }

  /** Blocks until the server has stopped. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Stops gracefully: health turns NOT_SERVING, new calls are refused, in-flight calls get the grace
   * period to finish, then are cancelled (their statements with them); then the statements still
   * running (jobs', authentication's) are cancelled on the server and the pools close
   * ({@link DatabasePools#close}), so no backend outlives the process; then the embedded database
   * stops.
   */
  @Override
  public void close() {
    log.info("shutting down: refusing new calls, waiting up to {} for in-flight calls", grace);
    health.enterShutdown();
    // Jobs stop claiming now and drain in parallel with the calls, against the same grace, so the
    // whole stop fits in one grace period (keep the pod's termination grace above it).
    Thread jobsStop = null;
    if (workers != null) {
      jobsStop = new Thread(() -> workers.close(grace), "roster-jobs-shutdown");
      jobsStop.start();
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("in-flight calls did not finish within {}; cancelling them", grace);
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (jobsStop != null) {
      try {
        jobsStop.join(grace.toMillis() + 10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // The admin port stays up through the drain, so /readyz says 503 while calls finish.
    admin.close();
    closeQuietly(probe, health, workers, storage, Duration.ZERO);
    metrics.close();
    // After the last call and job: their spans are flushed.
    tracing.close();
    shutdown(callThreads);
    shutdown(waits);
    shutdown(shedding);
    log.info("stopped");
  }

  private static void shutdown(CallShedding shedding) {
    if (shedding != null) {
      shedding.close();
    }
  }

  private static void shutdown(ExecutorService executor) {
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  private static void closeQuietly(DatabaseProbe probe, HealthReporter health, Workers workers,
      Storage storage, Duration grace) {
    if (health != null) {
      health.close();
    }
    if (probe != null) {
      probe.close();
    }
    if (workers != null) {
      workers.close(grace);
    }
    storage.close();
  }
}
