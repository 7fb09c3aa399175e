package dev.roster.client;

/**
 * The request message is larger than the server accepts (RESOURCE_EXHAUSTED, reason
 * {@code MESSAGE_TOO_LARGE}, or gRPC's own message-size refusal). Not a quota: sending it again
 * fails again, so it is never retried. Split the request (e.g. fewer names in a batch).
 */
public final class RequestTooLargeException extends ResourceExhaustedException {
  RequestTooLargeException(String message, ErrorDetails details, Throwable cause) {
    super(message, details, cause);
  }
}
