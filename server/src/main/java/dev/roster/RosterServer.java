package dev.roster;

import dev.roster.accounts.Accounts;
import dev.roster.config.RosterConfig;
import dev.roster.platform.db.Database;
import dev.roster.platform.db.EmbeddedDatabase;
import dev.roster.platform.paging.PageTokens;
import dev.roster.platform.paging.SigningKeys;
import dev.roster.rpc.AccountsHandler;
import dev.roster.rpc.CompressionInterceptor;
import dev.roster.rpc.ErrorInterceptor;
import dev.roster.rpc.HealthReporter;
import dev.roster.rpc.ServerTransport;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: configuration, then the database, then the contexts, then the gRPC
 * handlers and server. {@link #close()} is the graceful stop that SIGTERM triggers.
 */
public final class RosterServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RosterServer.class);

  private final Server server;
  private final HealthReporter health;
  private final Database database;
  private final EmbeddedDatabase embedded;
  private final Duration grace;

  private RosterServer(Server server, HealthReporter health, Database database,
      EmbeddedDatabase embedded, Duration grace) {
    this.server = server;
    this.health = health;
    this.database = database;
    this.embedded = embedded;
    this.grace = grace;
  }

  /** Starts everything described by {@code config}; the returned server is already listening. */
  public static RosterServer start(RosterConfig config) {
    EmbeddedDatabase embedded = null;
    Database database = null;
    HealthReporter health = null;
    try {
      String url;
      String user;
      String password;
      if (config.databaseUrl().isPresent()) {
        url = config.databaseUrl().get();
        user = config.databaseUser();
        password = config.databasePassword();
      } else {
        embedded = EmbeddedDatabase.start(config.dataDir().resolve("postgres"),
            config.embeddedDatabasePort());
        url = embedded.jdbcUrl();
        user = embedded.user();
        password = "";
      }
      database = Database.open(new Database.Settings(url, user, password,
          config.databasePoolSize(), config.databaseConnectTimeout(),
          config.databaseSocketTimeout(), config.databaseAcquireTimeout()));
      Database db = database;
      health = new HealthReporter(
          () -> db.ping(config.databaseConnectTimeout()), config.healthCheckInterval());
      Accounts accounts = new Accounts(database.jdbi(), Clock.systemUTC());
      SigningKeys keys = config.pageTokenKeys().isEmpty()
          ? SigningKeys.fromDatabase(database.jdbi(), Clock.systemUTC())
          : SigningKeys.fromConfig(config.pageTokenKeys());
      PageTokens pageTokens = new PageTokens(keys, Clock.systemUTC(), config.pageTokenTtl());

      Server server = ServerTransport.builder(config)
          .addService(ServerInterceptors.intercept(new AccountsHandler(accounts, pageTokens),
              new ErrorInterceptor(), new CompressionInterceptor()))
          .addService(health.service())
          .addService(ProtoReflectionServiceV1.newInstance())
          .addService(ProtoReflectionService.newInstance())
          .build()
          .start();
      log.info("Roster listening for gRPC on port {}", server.getPort());
      return new RosterServer(server, health, database, embedded, config.shutdownGrace());
    } catch (IOException e) {
      closeQuietly(health, database, embedded);
      throw new UncheckedIOException("could not listen on port " + config.grpcPort(), e);
    } catch (RuntimeException e) {
      closeQuietly(health, database, embedded);
      throw e;
    }
  }

  /** The port the gRPC server listens on (useful when the configured port was 0). */
  public int port() {
    return server.getPort();
  }

  /** Blocks until the server has stopped. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Stops gracefully: health turns NOT_SERVING, new calls are refused, in-flight calls get the grace
   * period to finish, then the pool and the embedded database stop.
   */
  @Override
  public void close() {
    log.info("shutting down: refusing new calls, waiting up to {} for in-flight calls", grace);
    health.enterShutdown();
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
    closeQuietly(health, database, embedded);
    log.info("stopped");
  }

  private static void closeQuietly(HealthReporter health, Database database,
      EmbeddedDatabase embedded) {
    if (health != null) {
      health.close();
    }
    if (database != null) {
      database.close();
    }
    if (embedded != null) {
      embedded.close();
    }
  }

  public static void main(String[] args) throws InterruptedException {
    RosterConfig config;
    try {
      config = RosterConfig.fromEnvironment();
    } catch (RosterConfig.InvalidConfigException e) {
      System.err.println("roster: " + e.getMessage());
      System.exit(2);
      return;
    }
    RosterServer server = start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "roster-shutdown"));
    server.awaitTermination();
  }
}
