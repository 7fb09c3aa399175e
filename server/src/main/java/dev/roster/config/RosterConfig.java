package dev.roster.config;

import dev.roster.platform.net.Cidr;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Roster's configuration, read once at start from {@code ROSTER_*} environment variables. Every
 * setting has a default; README.md lists them all. A malformed value stops the server at start with
 * a message naming the variable, rather than running with a surprise.
 *
 * @param grpcPort port of the gRPC server ({@code ROSTER_GRPC_PORT})
 * @param adminPort port of the admin HTTP server: Prometheus {@code /metrics}, {@code /livez},
 *     {@code /readyz} ({@code ROSTER_ADMIN_PORT}); 0 picks a free one
 * @param metricsEnabled whether the server keeps metrics ({@code ROSTER_METRICS_ENABLED}); when
 *     false no gRPC metrics or refusal counting is installed and {@code /metrics} answers 404
 * @param databaseUrl JDBC URL of an external PostgreSQL; empty means start an embedded one
 * @param databaseUser user for {@code databaseUrl}
 * @param databasePassword password for {@code databaseUrl}
 * @param databaseDirectUrl JDBC URL of the PostgreSQL server itself, for migrations (Flyway's
 *     session advisory lock), when {@code databaseUrl} is a transaction-pooling PgBouncer; empty
 *     means {@code databaseUrl}
 * @param databasePrepareThreshold pgjdbc's {@code prepareThreshold} for the pools: 0 never uses
 *     named server-side prepared statements (needed behind PgBouncer before 1.21); default 5
 * @param dataDir where the embedded PostgreSQL (and, in roles that run jobs, .eml mail and export files) keep their files
 * @param embeddedDatabasePort port of the embedded PostgreSQL; 0 picks a free one
 * @param databasePoolSize connections of the API pool (the contexts' work for calls)
 * @param databaseAuthPoolSize connections of the pool that looks up API keys to authenticate calls
 * @param databaseJobsPoolSize connections of the pool that job handlers use; by default one per job
 *     the process's queues may run at once, plus one
 * @param databaseConnectTimeout how long to wait for a new database connection to open
 * @param databaseSocketTimeout how long one database read may block before the connection is dropped
 * @param databaseAcquireTimeout how long a call waits for a free pooled connection
 * @param healthCheckInterval how often the database is probed (health, and refusing calls while it
 *     is down)
 * @param healthCheckTimeout how long one probe may wait for the database's answer; no answer in
 *     time counts as a failure
 * @param shutdownGrace how long in-flight calls get to finish after SIGTERM
 * @param pageTokenKeys base64 secrets that sign page tokens, newest first; empty means keys kept in
 *     the database
 * @param pageTokenTtl how long a page token stays valid
 * @param limits what one caller or connection may cost the server
 * @param tls certificate and key for TLS on the gRPC port (and a client CA for mTLS); empty for
 *     plaintext
 * @param security authentication and rate-limit settings
 * @param jobs what this process runs and how its workers behave
 * @param mail where emails go
 * @param admission how calls are admitted and shared between tenants
 * @param exports limits on users exports
 * @param metricsTopOrganizations how many of the busiest organizations get their own label on the
 *     per-organization call counters ({@code ROSTER_METRICS_TOP_ORGANIZATIONS}, 0 to
 *     {@value #MAX_METRICS_TOP_ORGANIZATIONS}); 0, the default, keeps no per-organization metric
 * @param logFormat how log lines are written ({@code ROSTER_LOG_FORMAT}); logback.xml reads the same
 *     variable, this check refuses a value it would not understand
 */
public record RosterConfig(
    int grpcPort,
    int adminPort,
    boolean metricsEnabled,
    Optional<String> databaseUrl,
    String databaseUser,
    String databasePassword,
    Optional<String> databaseDirectUrl,
    int databasePrepareThreshold,
    Path dataDir,
    int embeddedDatabasePort,
    int databasePoolSize,
    int databaseAuthPoolSize,
    int databaseJobsPoolSize,
    Duration databaseConnectTimeout,
    Duration databaseSocketTimeout,
    Duration databaseAcquireTimeout,
    Duration healthCheckInterval,
    Duration healthCheckTimeout,
    Duration shutdownGrace,
    List<String> pageTokenKeys,
    Duration pageTokenTtl,
    Limits limits,
    Optional<Tls> tls,
    Security security,
    Jobs jobs,
    Mail mail,
    Admission admission,
    Exports exports,
    int metricsTopOrganizations,
    LogFormat logFormat) {

  /** The most organizations {@code ROSTER_METRICS_TOP_ORGANIZATIONS} may label (series bound). */
  public static final int MAX_METRICS_TOP_ORGANIZATIONS = 100;

  /** How log lines are written on stdout ({@code ROSTER_LOG_FORMAT}). */
  public enum LogFormat {
    /** Human-readable lines, for local runs (the default). */
    TEXT,
    /** One JSON object per line, for log pipelines. */
    JSON
  }

  /**
   * What one tenant may hold of the server at once, and when the server refuses work outright;
   * docs/SECURITY.md ("Multi-tenant fairness") gives each limit's reason.
   *
   * @param callQueue calls that may wait for a call thread; beyond it new calls are refused at once
   *     (UNAVAILABLE, SERVER_OVERLOADED) instead of queueing toward their deadline
   * @param maxCallsInFlightPerKey calls one API key may have running at once
   * @param maxCallsInFlightPerOrganization calls all keys of one organization may have running at
   *     once; a call holds at most one API-pool connection, so this also bounds its connections
   * @param organizationRateLimitPerSecond sustained calls per second of all keys of one organization
   * @param organizationRateLimitBurst burst of all keys of one organization
   * @param maxDeadline longest deadline a call gets; a longer client deadline is lowered to it
   * @param maxWaitsPerKey WaitOperation calls one API key may have waiting at once
   * @param databaseReadReserve API-pool connections kept for reads by key ({@code Get*},
   *     {@code Lookup*}, WaitOperation): all other calls together may have at most the pool size
   *     minus this in flight; more are refused at once (UNAVAILABLE, DATABASE_POOL_EXHAUSTED)
   */
  public record Admission(
      int callQueue,
      int maxCallsInFlightPerKey,
      int maxCallsInFlightPerOrganization,
      int organizationRateLimitPerSecond,
      int organizationRateLimitBurst,
      Duration maxDeadline,
      int maxWaitsPerKey,
      int databaseReadReserve) {}

  /** What one process of the jar does ({@code ROSTER_ROLE}). */
  public enum Role {
    /** Serve the gRPC API and run background jobs (the default: one process does it all). */
    ALL,
    /** Serve the gRPC API only; jobs are enqueued for workers elsewhere. */
    API,
    /** Run background jobs only; gRPC serves health (and reflection) for probes. */
    WORKER;

    public boolean servesApi() {
      return this != WORKER;
    }

    public boolean runsJobs() {
      return this != API;
    }
  }

  /**
   * Background jobs.
   *
   * @param role what this process runs
   * @param queues queue name to how many of its jobs this process runs at once
   * @param rescueAfter how long a worker may miss heartbeats before its jobs are run elsewhere
   * @param pruneAfter age after which finished jobs are deleted
   */
  public record Jobs(Role role, Map<String, Integer> queues, Duration rescueAfter,
      Duration pruneAfter) {}

  /**
   * Outgoing email.
   *
   * @param smtpHost SMTP server; empty writes .eml files under the data directory instead
   * @param smtpPort its port
   * @param startTls require STARTTLS
   * @param username SMTP login, if any
   * @param password SMTP password
   * @param from sender address
   * @param dailyQuotaPerOrganization welcome emails one organization may send per UTC day; more
   *     are dropped
   */
  public record Mail(Optional<String> smtpHost, int smtpPort, boolean startTls,
      Optional<String> username, String password, String from, int dailyQuotaPerOrganization) {
    @Override
    public String toString() {
      return "Mail[smtpHost=" + smtpHost + ", smtpPort=" + smtpPort + ", startTls=" + startTls
          + ", username=" + username + ", password=(hidden), from=" + from
          + ", dailyQuotaPerOrganization=" + dailyQuotaPerOrganization + "]";
    }
  }

  /**
   * Hard limits of the gRPC transport; see README's configuration table for each variable.
   *
   * @param maxMessageBytes largest inbound message
   * @param maxMetadataBytes largest inbound header block
   * @param maxConcurrentCallsPerConnection streams one connection may have open at once
   * @param handshakeTimeout time a new connection gets to finish its (TLS and HTTP/2) handshake
   * @param keepAliveTime idle time after which the server pings a client
   * @param keepAliveTimeout time a ping may go unanswered before the connection is closed
   * @param permitKeepAliveTime the most frequent client pings tolerated; more is a ping flood
   * @param maxConnectionIdle idle time after which a connection is closed
   * @param maxConnectionAge age after which a connection is gracefully closed, so clients reconnect
   *     and spread over new replicas
   * @param maxConnectionAgeGrace time in-flight calls get after maxConnectionAge
   * @param maxRstPerWindow RST_STREAM frames a connection may send per {@code rstWindow}
   * @param rstWindow the window for {@code maxRstPerWindow}
   * @param defaultDeadline deadline applied to calls that arrive without one
   * @param callThreads threads that run calls; more calls wait in a queue, so a flood of slow
   *     calls cannot make the server start unbounded threads
   * @param maxConnections TCP connections the gRPC port keeps open at once; more are reset at once
   * @param maxConnectionsPerAddress of those, connections from one client address (IPv6: one /64)
   */
  public record Limits(
      int maxMessageBytes,
      int maxMetadataBytes,
      int maxConcurrentCallsPerConnection,
      Duration handshakeTimeout,
      Duration keepAliveTime,
      Duration keepAliveTimeout,
      Duration permitKeepAliveTime,
      Duration maxConnectionIdle,
      Duration maxConnectionAge,
      Duration maxConnectionAgeGrace,
      int maxRstPerWindow,
      Duration rstWindow,
      Duration defaultDeadline,
      int callThreads,
      int maxConnections,
      int maxConnectionsPerAddress) {}

  /**
   * TLS for the gRPC port.
   *
   * @param certFile PEM certificate chain of the server
   * @param keyFile PEM private key (PKCS#8) of the server
   * @param clientCaFile PEM CA certificates that client certificates must chain to; when present,
   *     every client must present one (mTLS)
   */
  public record Tls(Path certFile, Path keyFile, Optional<Path> clientCaFile) {}

  /**
   * Authentication and rate limits.
   *
   * @param bootstrapAdminKey a platform-admin API key secret that is made sure to exist at start
   * @param authCacheTtl how long a verified key is trusted without asking the database again; it
   *     bounds how long a revoked key keeps working on a replica
   * @param rateLimitPerSecond default sustained requests per second per API key
   * @param rateLimitBurst default burst size per API key
   * @param authBrake sizes of the failed-authentication brake's budgets
   * @param trustedProxies proxies whose {@code x-forwarded-for} names the client address
   * @param maxKeysPerOrganization active (not revoked, not expired) API keys an organization may
   *     hold
   */
  public record Security(
      Optional<String> bootstrapAdminKey,
      Duration authCacheTtl,
      int rateLimitPerSecond,
      int rateLimitBurst,
      AuthBrake authBrake,
      List<Cidr> trustedProxies,
      int maxKeysPerOrganization) {

    @Override
    public String toString() {
      return "Security[bootstrapAdminKey=" + (bootstrapAdminKey.isPresent() ? "(set)" : "(none)")
          + ", authCacheTtl=" + authCacheTtl + ", rateLimitPerSecond=" + rateLimitPerSecond
          + ", rateLimitBurst=" + rateLimitBurst + ", authBrake=" + authBrake
          + ", trustedProxies=" + trustedProxies
          + ", maxKeysPerOrganization=" + maxKeysPerOrganization + "]";
    }
  }

  /**
   * The failed-authentication brake (docs/SECURITY.md, "Multi-tenant fairness").
   *
   * @param failureBurst failures per (client address group, key id), and malformed keys per
   *     address group, allowed at once
   * @param failuresPerSecond their refill per second
   * @param unknownKeyBurst lookups of key ids never seen to verify, per address group, at once
   * @param unknownKeysPerSecond their refill per second
   */
  public record AuthBrake(int failureBurst, int failuresPerSecond, int unknownKeyBurst,
      int unknownKeysPerSecond) {}

  /** Reads the configuration from the process environment. */
  public static RosterConfig fromEnvironment() {
    return from(System.getenv());
  }

  /**
   * Reads the configuration from {@code env}, a map shaped like the process environment.
   *
   * @throws InvalidConfigException naming the first variable whose value Roster cannot use
   */
  public static RosterConfig from(Map<String, String> env) {
    Env r = new Env(env);
    Map<String, Integer> queues = r.queues("ROSTER_QUEUES", "default=5,mail=3,exports=1");
    return new RosterConfig(
        r.port("ROSTER_GRPC_PORT", 9090),
        r.port("ROSTER_ADMIN_PORT", 9464),
        r.bool("ROSTER_METRICS_ENABLED", true),
        r.string("ROSTER_DATABASE_URL"),
        r.string("ROSTER_DATABASE_USER").orElse("postgres"),
        r.string("ROSTER_DATABASE_PASSWORD").orElse(""),
        // Migrations (a session advisory lock) bypass a transaction-pooling PgBouncer.
        r.string("ROSTER_DATABASE_DIRECT_URL"),
        // pgjdbc's default; 0 (no named prepared statements) behind PgBouncer before 1.21.
        r.nonNegativeInt("ROSTER_DATABASE_PREPARE_THRESHOLD", 5),
        Path.of(r.string("ROSTER_DATA_DIR").orElse(".roster")),
        r.port("ROSTER_EMBEDDED_DATABASE_PORT", 0),
        r.positiveInt("ROSTER_DATABASE_POOL_SIZE", 20),
        r.positiveInt("ROSTER_DATABASE_AUTH_POOL_SIZE", 4),
        // One connection per job that may run at once, and one for an outcome written meanwhile.
        r.positiveInt("ROSTER_DATABASE_JOBS_POOL_SIZE",
            queues.values().stream().mapToInt(Integer::intValue).sum() + 1),
        r.positive("ROSTER_DATABASE_CONNECT_TIMEOUT", Duration.ofSeconds(5)),
        r.positive("ROSTER_DATABASE_SOCKET_TIMEOUT", Duration.ofSeconds(30)),
        r.positive("ROSTER_DATABASE_ACQUIRE_TIMEOUT", Duration.ofMillis(500)),
        r.positive("ROSTER_HEALTH_CHECK_INTERVAL", Duration.ofMillis(500)),
        r.positive("ROSTER_HEALTH_CHECK_TIMEOUT", Duration.ofSeconds(1)),
        r.duration("ROSTER_SHUTDOWN_GRACE", Duration.ofSeconds(20)),
        r.base64Secrets("ROSTER_PAGE_TOKEN_KEYS"),
        r.positive("ROSTER_PAGE_TOKEN_TTL", Duration.ofDays(3)),
        new Limits(
            r.positiveInt("ROSTER_MAX_MESSAGE_BYTES", 1 << 20),
            r.positiveInt("ROSTER_MAX_METADATA_BYTES", 16 << 10),
            r.positiveInt("ROSTER_MAX_CONCURRENT_CALLS_PER_CONNECTION", 100),
            r.positive("ROSTER_HANDSHAKE_TIMEOUT", Duration.ofSeconds(10)),
            r.positive("ROSTER_KEEPALIVE_TIME", Duration.ofMinutes(1)),
            r.positive("ROSTER_KEEPALIVE_TIMEOUT", Duration.ofSeconds(20)),
            r.positive("ROSTER_PERMIT_KEEPALIVE_TIME", Duration.ofSeconds(20)),
            r.positive("ROSTER_MAX_CONNECTION_IDLE", Duration.ofMinutes(5)),
            r.positive("ROSTER_MAX_CONNECTION_AGE", Duration.ofMinutes(5)),
            r.positive("ROSTER_MAX_CONNECTION_AGE_GRACE", Duration.ofSeconds(30)),
            r.positiveInt("ROSTER_MAX_RST_PER_WINDOW", 200),
            r.positive("ROSTER_RST_WINDOW", Duration.ofSeconds(10)),
            r.positive("ROSTER_DEFAULT_DEADLINE", Duration.ofSeconds(10)),
            r.positiveInt("ROSTER_CALL_THREADS", 64),
            r.positiveInt("ROSTER_MAX_CONNECTIONS", 2000),
            r.positiveInt("ROSTER_MAX_CONNECTIONS_PER_ADDRESS", 200)),
        tls(r),
        new Security(
            r.secret("ROSTER_BOOTSTRAP_ADMIN_KEY"),
            r.positive("ROSTER_AUTH_CACHE_TTL", Duration.ofSeconds(5)),
            r.positiveInt("ROSTER_RATE_LIMIT_PER_SECOND", 50),
            r.positiveInt("ROSTER_RATE_LIMIT_BURST", 100),
            new AuthBrake(
                r.positiveInt("ROSTER_AUTH_FAILURE_BURST", 20),
                r.positiveInt("ROSTER_AUTH_FAILURES_PER_SECOND", 5),
                r.positiveInt("ROSTER_AUTH_UNKNOWN_KEY_BURST", 50),
                r.positiveInt("ROSTER_AUTH_UNKNOWN_KEYS_PER_SECOND", 10)),
            r.cidrs("ROSTER_TRUSTED_PROXIES"),
            r.positiveInt("ROSTER_MAX_KEYS_PER_ORGANIZATION", 50)),
        new Jobs(
            r.oneOf("ROSTER_ROLE", Role.class, Role.ALL, "all, api or worker"),
            queues,
            r.positive("ROSTER_JOB_RESCUE_AFTER", Duration.ofSeconds(30)),
            r.positive("ROSTER_JOB_PRUNE_AFTER", Duration.ofDays(7))),
        new Mail(
            r.string("ROSTER_SMTP_HOST"),
            r.port("ROSTER_SMTP_PORT", 587),
            r.bool("ROSTER_SMTP_STARTTLS", true),
            r.string("ROSTER_SMTP_USERNAME"),
            r.string("ROSTER_SMTP_PASSWORD").orElse(""),
            r.string("ROSTER_MAIL_FROM").orElse("roster@localhost"),
            r.positiveInt("ROSTER_MAIL_DAILY_QUOTA_PER_ORGANIZATION", 1000)),
        admission(r),
        new Exports(
            r.positiveInt("ROSTER_MAX_ACTIVE_EXPORTS_PER_ORGANIZATION", 2),
            r.positive("ROSTER_EXPORT_RETENTION", Duration.ofDays(7))),
        metricsTopOrganizations(r),
        r.oneOf("ROSTER_LOG_FORMAT", LogFormat.class, LogFormat.TEXT, "text or json"));
  }

  private static int metricsTopOrganizations(Env r) {
    int n = r.nonNegativeInt("ROSTER_METRICS_TOP_ORGANIZATIONS", 0);
    if (n > MAX_METRICS_TOP_ORGANIZATIONS) {
      throw new InvalidConfigException("ROSTER_METRICS_TOP_ORGANIZATIONS", Integer.toString(n),
          "an integer from 0 to " + MAX_METRICS_TOP_ORGANIZATIONS);
    }
    return n;
  }

  private static Admission admission(Env r) {
    int callThreads = r.positiveInt("ROSTER_CALL_THREADS", 64);
    Duration defaultDeadline = r.positive("ROSTER_DEFAULT_DEADLINE", Duration.ofSeconds(10));
    Duration maxDeadline = r.positive("ROSTER_MAX_DEADLINE", Duration.ofSeconds(60));
    if (maxDeadline.compareTo(defaultDeadline) < 0) {
      throw new InvalidConfigException("ROSTER_MAX_DEADLINE", r.string("ROSTER_MAX_DEADLINE")
          .orElse(maxDeadline.toString()), "a duration no shorter than ROSTER_DEFAULT_DEADLINE");
    }
    return new Admission(
        r.positiveInt("ROSTER_CALL_QUEUE", 2 * callThreads),
        r.positiveInt("ROSTER_MAX_CALLS_IN_FLIGHT_PER_KEY", 6),
        r.positiveInt("ROSTER_MAX_CALLS_IN_FLIGHT_PER_ORGANIZATION", 8),
        r.positiveInt("ROSTER_ORGANIZATION_RATE_LIMIT_PER_SECOND", 200),
        r.positiveInt("ROSTER_ORGANIZATION_RATE_LIMIT_BURST", 400),
        maxDeadline,
        r.positiveInt("ROSTER_MAX_WAITS_PER_KEY", 10),
        readReserve(r));
  }

  /** A fifth of the API pool by default; it must leave the other calls at least one connection. */
  private static int readReserve(Env r) {
    int poolSize = r.positiveInt("ROSTER_DATABASE_POOL_SIZE", 20);
    int reserve = r.nonNegativeInt("ROSTER_DATABASE_READ_RESERVE", poolSize / 5);
    if (reserve >= poolSize) {
      throw new InvalidConfigException("ROSTER_DATABASE_READ_RESERVE", Integer.toString(reserve),
          "a number from 0 to ROSTER_DATABASE_POOL_SIZE - 1");
    }
    return reserve;
  }

  /**
   * Users exports.
   *
   * @param maxActivePerOrganization exports one organization may have pending or running at once
   * @param retention how long a finished export (operation and file) is kept before deletion
   */
  public record Exports(int maxActivePerOrganization, Duration retention) {}

  /** TLS files: certificate and key together, client CA only with them; files must exist. */
  private static Optional<Tls> tls(Env r) {
    Optional<Path> cert = r.readableFile("ROSTER_TLS_CERT_FILE");
    Optional<Path> key = r.readableFile("ROSTER_TLS_KEY_FILE");
    Optional<Path> clientCa = r.readableFile("ROSTER_TLS_CLIENT_CA_FILE");
    if (cert.isPresent() != key.isPresent()) {
      throw new InvalidConfigException(cert.isPresent() ? "ROSTER_TLS_KEY_FILE" : "ROSTER_TLS_CERT_FILE",
          "(unset)", "both ROSTER_TLS_CERT_FILE and ROSTER_TLS_KEY_FILE, or neither");
    }
    if (clientCa.isPresent() && cert.isEmpty()) {
      throw new InvalidConfigException("ROSTER_TLS_CLIENT_CA_FILE", clientCa.get().toString(),
          "only together with ROSTER_TLS_CERT_FILE and ROSTER_TLS_KEY_FILE");
    }
    return cert.map(c -> new Tls(c, key.get(), clientCa));
  }

  /** Thrown when a variable is set to something Roster cannot use. */
  public static final class InvalidConfigException extends RuntimeException {
    InvalidConfigException(String variable, String value, String expected) {
      super(variable + "=" + value + " is not valid: expected " + expected);
    }
  }
}
