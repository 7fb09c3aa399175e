package dev.roster.rpc;

import dev.roster.platform.errors.InvalidArgumentException;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/** Small conversions every handler needs: proto3 "empty means unset", request ids, nesting. */
final class RequestFields {
  private static final int MAX_ETAG = 128;

  private RequestFields() {}

  /** proto3 has no "unset" for strings: the empty string is turned into {@code Optional.empty()} here, once. */
  static Optional<String> optional(String value) {
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  static Optional<String> etag(String field, String value) {
    if (value.length() > MAX_ETAG) {
      throw InvalidArgumentException.of(field, "INVALID_LENGTH",
          "must be at most " + MAX_ETAG + " characters long");
    }
    return optional(value);
  }

  /** An AIP-155 request id: empty, or a UUID. */
  static Optional<UUID> requestId(String value) {
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (value.length() != 36) {
      throw notUuid();
    }
    try {
      return Optional.of(UUID.fromString(value));
    } catch (IllegalArgumentException e) {
      throw notUuid();
    }
  }

  private static InvalidArgumentException notUuid() {
    return InvalidArgumentException.of("request_id", "INVALID_FORMAT",
        "must be a UUID such as 0191e6a4-7d3c-7b8e-9f2a-3c4d5e6f7a8b");
  }

  /**
   * Runs a context call whose field violations name the resource's own fields, and reports them
   * under the request field that carried the resource (for example {@code email} as
   * {@code user.email}).
   */
  static <T> T under(String requestField, Supplier<T> call) {
    try {
      return call.get();
    } catch (InvalidArgumentException e) {
      throw e.under(requestField);
    }
  }
}
