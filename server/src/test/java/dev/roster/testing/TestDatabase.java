package dev.roster.testing;

import dev.roster.platform.db.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * One real PostgreSQL per test JVM (embedded, in a fresh directory), migrated once. Tests isolate
 * themselves by creating their own organizations with unique slugs, so nothing is truncated.
 */
public final class TestDatabase {
  private static EmbeddedPostgres postgres;
  private static Database database;

  private TestDatabase() {}

  public static synchronized Database database() {
    if (database == null) {
      database = Database.open(settings());
    }
    return database;
  }

  public static synchronized Database.Settings settings() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder()
            .setLocaleConfig("encoding", "UTF8")
            .setLocaleConfig("locale", "C.UTF-8")
            .setServerConfig("max_connections", "300")
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          postgres.close();
        } catch (IOException ignored) {
          // the JVM is going away; the temporary directory goes with it
        }
      }));
    }
    return new Database.Settings(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "", 10,
        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(5));
  }

  public static String jdbcUrl() {
    return settings().url();
  }
}
