package dev.roster.server;

import dev.roster.platform.errors.ResourceExhaustedException;
import java.util.Map;

/**
 * The request message is larger than the server accepts once decompressed, such as a small gzip
 * body that inflates to gigabytes (RESOURCE_EXHAUSTED, MESSAGE_TOO_LARGE). A limit, not a quota:
 * the same request will never fit, so there is no RetryInfo.
 */
final class MessageTooLargeException extends ResourceExhaustedException {
  MessageTooLargeException(int limitBytes) {
    super("MESSAGE_TOO_LARGE", "the request message is larger than " + limitBytes
            + " bytes once decompressed", Map.of("limitBytes", Integer.toString(limitBytes)));
  }
}
