package dev.roster.client;

import com.google.protobuf.Any;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What Errors read from a failure's google.rpc details, handed to the exception it builds. */
record ErrorDetails(String reason, String domain, Map<String, String> metadata,
    Duration retryDelay, List<InvalidArgumentException.FieldViolation> violations,
    List<Any> raw) {

  static final ErrorDetails NONE =
      new ErrorDetails("", "", Map.of(), Duration.ZERO, List.of(), List.of());

  ErrorDetails {
    metadata = Map.copyOf(metadata);
    violations = List.copyOf(violations);
    raw = List.copyOf(raw);
  }
}
