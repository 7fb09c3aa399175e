package dev.roster.server;

import dev.roster.platform.errors.InvalidArgumentException;
import java.util.Map;

/**
 * The request's bytes are not a valid message of the method's request type: a truncated or garbled
 * protobuf, or a compressed body that does not decompress (INVALID_ARGUMENT, MALFORMED_MESSAGE).
 */
final class MalformedMessageException extends InvalidArgumentException {
  MalformedMessageException(String messageType) {
    super("MALFORMED_MESSAGE", "the request message could not be decoded as " + messageType,
        Map.of("messageType", messageType));
  }
}
