package dev.roster.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Roster's configuration, read once at start from {@code ROSTER_*} environment variables. Every
 * setting has a default; README.md lists them all. A malformed value stops the server at start with
 * a message naming the variable, rather than running with a surprise.
 *
 * @param grpcPort port of the gRPC server ({@code ROSTER_GRPC_PORT})
 * @param databaseUrl JDBC URL of an external PostgreSQL; empty means start an embedded one
 * @param databaseUser user for {@code databaseUrl}
 * @param databasePassword password for {@code databaseUrl}
 * @param dataDir where the embedded PostgreSQL (and later exports) keep their files
 * @param embeddedDatabasePort port of the embedded PostgreSQL; 0 picks a free one
 * @param databasePoolSize maximum connections in the pool
 * @param databaseConnectTimeout how long to wait for a new database connection to open
 * @param databaseSocketTimeout how long one database read may block before the connection is dropped
 * @param databaseAcquireTimeout how long a call waits for a free pooled connection
 * @param healthCheckInterval how often the database is probed for the health service
 * @param shutdownGrace how long in-flight calls get to finish after SIGTERM
 * @param pageTokenKeys base64 secrets that sign page tokens, newest first; empty means keys kept in
 *     the database
 * @param pageTokenTtl how long a page token stays valid
 */
public record RosterConfig(
    int grpcPort,
    Optional<String> databaseUrl,
    String databaseUser,
    String databasePassword,
    Path dataDir,
    int embeddedDatabasePort,
    int databasePoolSize,
    Duration databaseConnectTimeout,
    Duration databaseSocketTimeout,
    Duration databaseAcquireTimeout,
    Duration healthCheckInterval,
    Duration shutdownGrace,
    List<String> pageTokenKeys,
    Duration pageTokenTtl) {

  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  /** Reads the configuration from the process environment. */
  public static RosterConfig fromEnvironment() {
    return from(System.getenv());
  }

  /** Reads the configuration from {@code env}, a map shaped like the process environment. */
  public static RosterConfig from(Map<String, String> env) {
    Reader r = new Reader(env);
    return new RosterConfig(
        r.port("ROSTER_GRPC_PORT", 9090),
        r.string("ROSTER_DATABASE_URL"),
        r.string("ROSTER_DATABASE_USER").orElse("postgres"),
        r.string("ROSTER_DATABASE_PASSWORD").orElse(""),
        Path.of(r.string("ROSTER_DATA_DIR").orElse(".roster")),
        r.port("ROSTER_EMBEDDED_DATABASE_PORT", 0),
        r.positiveInt("ROSTER_DATABASE_POOL_SIZE", 10),
        r.positive("ROSTER_DATABASE_CONNECT_TIMEOUT", Duration.ofSeconds(5)),
        r.positive("ROSTER_DATABASE_SOCKET_TIMEOUT", Duration.ofSeconds(30)),
        r.positive("ROSTER_DATABASE_ACQUIRE_TIMEOUT", Duration.ofSeconds(5)),
        r.positive("ROSTER_HEALTH_CHECK_INTERVAL", Duration.ofSeconds(5)),
        r.duration("ROSTER_SHUTDOWN_GRACE", Duration.ofSeconds(20)),
        r.secrets("ROSTER_PAGE_TOKEN_KEYS"),
        r.positive("ROSTER_PAGE_TOKEN_TTL", Duration.ofDays(3)));
  }

  /** Thrown when a variable is set to something Roster cannot use. */
  public static final class InvalidConfigException extends RuntimeException {
    InvalidConfigException(String variable, String value, String expected) {
      super(variable + "=" + value + " is not valid: expected " + expected);
    }
  }

  private record Reader(Map<String, String> env) {
    Optional<String> string(String name) {
      String value = env.get(name);
      return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** Comma-separated base64 secrets of at least 32 bytes each. */
    List<String> secrets(String name) {
      Optional<String> value = string(name);
      if (value.isEmpty()) {
        return List.of();
      }
      List<String> secrets = Arrays.stream(value.get().split(",")).map(String::trim).toList();
      for (String secret : secrets) {
        try {
          if (Base64.getDecoder().decode(secret).length < 32) {
            throw new InvalidConfigException(name, "(hidden)", "base64 secrets of at least 32 bytes");
          }
        } catch (IllegalArgumentException e) {
          throw new InvalidConfigException(name, "(hidden)", "comma-separated base64 secrets");
        }
      }
      return secrets;
    }

    int port(String name, int fallback) {
      int port = integer(name, fallback, "a port number from 0 to 65535");
      if (port < 0 || port > 65535) {
        throw new InvalidConfigException(name, env.get(name), "a port number from 0 to 65535");
      }
      return port;
    }

    int positiveInt(String name, int fallback) {
      int value = integer(name, fallback, "a whole number greater than 0");
      if (value < 1) {
        throw new InvalidConfigException(name, env.get(name), "a whole number greater than 0");
      }
      return value;
    }

    private int integer(String name, int fallback, String expected) {
      Optional<String> value = string(name);
      if (value.isEmpty()) {
        return fallback;
      }
      try {
        return Integer.parseInt(value.get());
      } catch (NumberFormatException e) {
        throw new InvalidConfigException(name, value.get(), expected);
      }
    }

    /** A duration that must be greater than zero. */
    Duration positive(String name, Duration fallback) {
      Duration value = duration(name, fallback);
      if (value.isZero()) {
        throw new InvalidConfigException(name, env.get(name), "a duration greater than zero");
      }
      return value;
    }

    /** Accepts {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT30S}). */
    Duration duration(String name, Duration fallback) {
      Optional<String> value = string(name);
      if (value.isEmpty()) {
        return fallback;
      }
      String expected = "a duration such as 500ms, 30s, 5m, 1h or PT30S";
      Matcher m = SIMPLE_DURATION.matcher(value.get());
      try {
        if (m.matches()) {
          long n = Long.parseLong(m.group(1));
          return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
          };
        }
        Duration parsed = Duration.parse(value.get());
        if (parsed.isNegative()) {
          throw new InvalidConfigException(name, value.get(), expected);
        }
        return parsed;
      } catch (ArithmeticException | NumberFormatException
          | java.time.format.DateTimeParseException e) {
        throw new InvalidConfigException(name, value.get(), expected);
      }
    }
  }
}
