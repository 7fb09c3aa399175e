package dev.roster;

import dev.roster.access.Access;
import dev.roster.access.CreatedApiKey;
import dev.roster.accounts.Accounts;
import dev.roster.config.RosterConfig;
import dev.roster.platform.db.DatabasePools;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
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
      RosterServer server = RosterServer.start(config());
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "roster-shutdown"));
      server.awaitTermination();
      return 0;
    }
  }

  /** Creates a platform-admin API key and prints its secret once. */
  @Command(name = "mint-admin-key", mixinStandardHelpOptions = true,
      description = "Create a platform-admin API key in the configured database and print its"
          + " secret (shown only once). With the embedded database, stop the server first.")
  static final class MintAdminKey implements Callable<Integer> {
    @Option(names = "--display-name", defaultValue = "admin key",
        description = "what the key is for (default: ${DEFAULT-VALUE})")
    String displayName;

    @Override
    public Integer call() {
      RosterConfig config = config();
      // One connection does for one insert; the role's pools would be dozens.
      try (RosterServer.Storage storage = RosterServer.Storage.open(config,
          java.util.Map.of(DatabasePools.Pool.API, 1))) {
        Jdbi jdbi = storage.pools().jdbi(DatabasePools.Pool.API);
        Access access = new Access(jdbi, new Accounts(jdbi, Clock.systemUTC()), Clock.systemUTC(),
            Duration.ofSeconds(1));
        CreatedApiKey created = access.mintAdminKey(displayName);
        System.err.println("Created platform-admin API key apiKeys/" + created.key().id()
            + ". Its secret, shown only this once:");
        System.out.println(created.secret());
      }
      return 0;
    }
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
