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

  /**
   * The JDBC URL of a database of its own on the test PostgreSQL, created (empty) on first use: for
   * tests that count or lock what one server does, undisturbed by the rest of the suite.
   */
  public static synchronized String jdbcUrl(String database) {
    settings();
    try (var c = java.sql.DriverManager.getConnection(jdbcUrl(), "postgres", "");
        var exists = c.prepareStatement("select 1 from pg_database where datname = ?")) {
      exists.setString(1, database);
      if (!exists.executeQuery().next()) {
        try (var create = c.createStatement()) {
          create.execute("create database \"" + database.replace("\"", "") + "\"");
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("could not create database " + database, e);
    }
    return postgres.getJdbcUrl("postgres", database);
  }
}
