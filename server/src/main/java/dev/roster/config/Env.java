package dev.roster.config;

import dev.roster.config.RosterConfig.InvalidConfigException;
import dev.roster.platform.net.Cidr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of {@code ROSTER_*} variables from a map shaped like the process environment. A
 * blank variable counts as unset and gets the caller's default; a malformed one throws {@link
 * InvalidConfigException} naming the variable and what was expected. Secrets are reported as
 * {@code (hidden)}, never echoed.
 */
final class Env {
  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final String DURATION = "a duration such as 500ms, 30s, 5m, 1h, 7d or PT30S";
  private static final String PORT = "a port number from 0 to 65535";
  private static final String POSITIVE_INT = "a whole number greater than 0";
  private static final String NON_NEGATIVE_INT = "a whole number, 0 or more";
  private static final String QUEUES =
      "comma-separated queue=concurrency pairs, e.g. default=10,mail=5";

  private final Map<String, String> env;

  Env(Map<String, String> env) {
    this.env = env;
  }

  /** The trimmed value; empty when unset or blank. */
  Optional<String> string(String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  /** A constant of {@code type} named case-insensitively. */
  <E extends Enum<E>> E oneOf(String name, Class<E> type, E fallback, String expected) {
    Optional<String> value = string(name);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      return Enum.valueOf(type, value.get().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(name, value.get(), expected);
    }
  }

  /** {@code true/yes/1} or {@code false/no/0}, any case. */
  boolean bool(String name, boolean fallback) {
    Optional<String> value = string(name);
    if (value.isEmpty()) {
      return fallback;
    }
    return switch (value.get().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new InvalidConfigException(name, value.get(), "true or false");
    };
  }

  /** {@code name=concurrency,name=concurrency}, each concurrency 1..1000; order kept. */
  Map<String, Integer> queues(String name, String fallback) {
    String value = string(name).orElse(fallback);
    Map<String, Integer> queues = new LinkedHashMap<>();
    for (String part : value.split(",")) {
      String[] kv = part.trim().split("=");
      if (kv.length != 2 || !kv[0].trim().matches("[a-z][a-z0-9_-]{0,62}")) {
        throw new InvalidConfigException(name, value, QUEUES);
      }
      try {
        int concurrency = Integer.parseInt(kv[1].trim());
        if (concurrency < 1 || concurrency > 1000) {
          throw new InvalidConfigException(name, value, QUEUES + " (1..1000)");
        }
        queues.put(kv[0].trim(), concurrency);
      } catch (NumberFormatException e) {
        throw new InvalidConfigException(name, value, QUEUES);
      }
    }
    return Map.copyOf(queues);
  }

  /** An operator-chosen secret: 32 to 256 printable ASCII characters, no spaces. */
  Optional<String> secret(String name) {
    Optional<String> value = string(name);
    if (value.isPresent() && !value.get().matches("[\\x21-\\x7e]{32,256}")) {
      throw new InvalidConfigException(name, "(hidden)",
          "32 to 256 printable ASCII characters without spaces");
    }
    return value;
  }

  /** Comma-separated base64 secrets of at least 32 bytes each; empty when unset. */
  List<String> base64Secrets(String name) {
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

  /** Comma-separated IP addresses or CIDR blocks ({@code 10.0.0.0/8,fd00::/8}); empty when unset. */
  List<Cidr> cidrs(String name) {
    Optional<String> value = string(name);
    if (value.isEmpty()) {
      return List.of();
    }
    try {
      return Arrays.stream(value.get().split(",")).map(Cidr::parse).toList();
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(name, value.get(),
          "comma-separated IP addresses or CIDR blocks, e.g. 10.0.0.0/8,fd00::/8");
    }
  }

  /** A path to a file this process can read (checked now, so a typo fails at start). */
  Optional<Path> readableFile(String name) {
    Optional<String> value = string(name);
    if (value.isPresent() && !Files.isReadable(Path.of(value.get()))) {
      throw new InvalidConfigException(name, value.get(), "a readable file");
    }
    return value.map(Path::of);
  }

  int port(String name, int fallback) {
    int port = integer(name, fallback, PORT);
    if (port < 0 || port > 65535) {
      throw new InvalidConfigException(name, env.get(name), PORT);
    }
    return port;
  }

  int positiveInt(String name, int fallback) {
    int value = integer(name, fallback, POSITIVE_INT);
    if (value < 1) {
      throw new InvalidConfigException(name, env.get(name), POSITIVE_INT);
    }
    return value;
  }

  int nonNegativeInt(String name, int fallback) {
    int value = integer(name, fallback, NON_NEGATIVE_INT);
    if (value < 0) {
      throw new InvalidConfigException(name, env.get(name), NON_NEGATIVE_INT);
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

  /** A {@link #duration} that must be greater than zero. */
  Duration positive(String name, Duration fallback) {
    Duration value = duration(name, fallback);
    if (value.isZero()) {
      throw new InvalidConfigException(name, env.get(name), "a duration greater than zero");
    }
    return value;
  }

  /**
   * A duration of zero or more: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d} or
   * ISO-8601 ({@code PT30S}).
   */
  Duration duration(String name, Duration fallback) {
    Optional<String> value = string(name);
    if (value.isEmpty()) {
      return fallback;
    }
    Matcher m = SIMPLE_DURATION.matcher(value.get());
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      Duration parsed = Duration.parse(value.get());
      if (parsed.isNegative()) {
        throw new InvalidConfigException(name, value.get(), DURATION);
      }
      return parsed;
    } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
      throw new InvalidConfigException(name, value.get(), DURATION);
    }
  }
}
