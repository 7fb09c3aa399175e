package dev.roster;

import dev.roster.access.Access;
import dev.roster.access.CreatedApiKey;
import dev.roster.accounts.Accounts;
import dev.roster.config.RosterConfig;
import dev.roster.observability.Logging;
import dev.roster.platform.JvmShutdown;
import dev.roster.platform.db.DatabasePools;
import dev.roster.platform.db.EmbeddedDatabaseException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line of the jar. Without a subcommand it serves; every setting comes from
 * {@code ROSTER_*} environment variables (README.md lists them).
 */
@Command(name = "roster", mixinStandardHelpOptions = true,
    description = "Roster accounts service. Without a command: serve gRPC.",
    subcommands = {Cli.Serve.class, Cli.MintAdminKey.class})
public final class Cli implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(Cli.class);

  public static void main(String[] args) {
    System.exit(new CommandLine(new Cli()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    return new Serve().call();
  }

  /** Serves gRPC until SIGTERM. */
  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve gRPC (the default).")
  static final class Serve implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      RosterConfig config = config();
      // Before start-up, so that a signal at any moment of it stops what has started.
      Lifecycle<RosterServer> lifecycle =
          new Lifecycle<RosterServer>().finallyRun(Logging::stop).registerHook("roster-shutdown");
      RosterServer server;
      try {
        server = lifecycle.start(() -> RosterServer.start(config));
      } catch (EmbeddedDatabaseException e) {
        return fail(e);
      } catch (JvmShutdown.StartAbortedException e) {
        // The JVM is exiting (143 after SIGTERM); the hook has waited for this.
        log.info("{}", e.getMessage());
        return 1;
      }
      server.awaitTermination();
      return 0;
    }
  }

  /** Creates a platform-admin API key and prints its secret once. */
  @Command(name = "mint-admin-key", mixinStandardHelpOptions = true,
      description = "Create a platform-admin API key in the configured database and print its"
          + " secret (shown only once). With the embedded database, stop the server first (the"
          + " data directory serves one process at a time).")
  static final class MintAdminKey implements Callable<Integer> {
    @Option(names = "--display-name", defaultValue = "admin key",
        description = "what the key is for (default: ${DEFAULT-VALUE})")
    String displayName;

    @Override
    public Integer call() {
      RosterConfig config = config();
      Lifecycle<Storage> lifecycle =
          new Lifecycle<Storage>().finallyRun(Logging::stop).registerHook("roster-mint-shutdown");
      Storage opened;
      try {
        // One connection does for one insert; the role's pools would be dozens.
        opened = lifecycle.start(() -> Storage.open(config,
            java.util.Map.of(DatabasePools.Pool.API, 1)));
      } catch (EmbeddedDatabaseException e) {
        return fail(e);
      } catch (JvmShutdown.StartAbortedException e) {
        return 1;
      }
      try (Storage storage = opened) {
        Jdbi jdbi = storage.pools().jdbi(DatabasePools.Pool.API);
        Access access = new Access(jdbi, new Accounts(jdbi, Clock.systemUTC()), Clock.systemUTC(),
            Duration.ofSeconds(1));
        CreatedApiKey created = access.mintAdminKey(displayName);
        System.err.println("Created platform-admin API key apiKeys/" + created.key().id()
            + ". Its secret, shown only this once:");
        System.out.println(created.secret());
      } finally {
        lifecycle.closed();
      }
      return 0;
    }
  }

  /** A start-up failure the operator can act on: its one line on stderr, no stack trace. */
  private static int fail(EmbeddedDatabaseException e) {
    System.err.println("roster: " + e.getMessage());
    if (e.getCause() != null) {
      log.debug("start-up failure", e);
    }
    return 1;
  }

  private static RosterConfig config() {
    try {
      return RosterConfig.fromEnvironment();
    } catch (RosterConfig.InvalidConfigException e) {
      System.err.println("roster: " + e.getMessage());
      System.exit(2);
      throw e;
    }
  }
}
