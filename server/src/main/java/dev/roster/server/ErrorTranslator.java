package dev.roster.server;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import dev.roster.platform.db.DatabaseFailures;
import dev.roster.platform.db.DatabaseUnavailableException;
import com.google.rpc.RetryInfo;
import dev.roster.platform.errors.AbortedException;
import dev.roster.platform.errors.DeadlineExceededException;
import dev.roster.platform.errors.PermissionDeniedException;
import dev.roster.platform.errors.ResourceExhaustedException;
import dev.roster.platform.errors.UnauthenticatedException;
import dev.roster.platform.errors.UnavailableException;
import dev.roster.platform.errors.AlreadyExistsException;
import dev.roster.platform.errors.BoundedText;
import dev.roster.platform.errors.FailedPreconditionException;
import dev.roster.platform.errors.FieldViolation;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.errors.NotFoundException;
import dev.roster.platform.errors.RosterException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one place where exceptions become gRPC statuses. Every status carries a
 * {@code google.rpc.ErrorInfo} (stable reason, domain {@value #DOMAIN}); bad input also carries a
 * {@code google.rpc.BadRequest} (at most {@value InvalidArgumentException#MAX_REPORTED} violations),
 * quota refusals and an unavailable database a {@code google.rpc.RetryInfo}. Messages are cut to {@value #MAX_MESSAGE_BYTES}
 * bytes, so an error always fits in the 8 KiB of trailers gRPC clients accept. Unexpected exceptions become INTERNAL with an incident id: the
 * stack trace goes to the log under that id, never onto the wire.
 *
 * <p>{@link ErrorInterceptor} applies it to whatever a handler throws on the call's thread; work
 * that finishes a call later on another thread passes its failure here itself.
 */
public final class ErrorTranslator {
  static final String DOMAIN = "roster.dev";
  /** Longest status message sent, in UTF-8 bytes; see {@link BoundedText}. */
  static final int MAX_MESSAGE_BYTES = 1024;
  private static final Logger log = LoggerFactory.getLogger(ErrorTranslator.class);

  private ErrorTranslator() {}

  /**
   * The status (with its details in the trailers) for {@code failure} of a call to
   * {@code method} (its full name, for the log).
   *
   * @throws IllegalStateException if {@code failure} is a {@link RosterException} of a kind that
   *     has no status here (a programming error)
   */
  public static StatusRuntimeException translate(Throwable failure, String method) {
    return translate(failure, method, true);
  }

  /**
   * As {@link #translate(Throwable, String)}, knowing whether the database is up
   * ({@code databaseUp}, from the probe): while it is down, any failure of database work is
   * UNAVAILABLE {@code DATABASE_UNAVAILABLE} with a RetryInfo, even a statement cancelled because
   * the call ran out of time (which, with the database up, is DEADLINE_EXCEEDED), since the
   * database and not the call is the problem and a retry helps.
   */
  public static StatusRuntimeException translate(Throwable failure, String method,
      boolean databaseUp) {
    if (failure instanceof StatusRuntimeException already) {
      return already;
    }
    if (failure instanceof RosterException e) {
      return fromRule(e);
    }
    if (DatabaseFailures.isUnreachable(failure)
        || !databaseUp && DatabaseFailures.isDatabaseFailure(failure)) {
      log.warn("{} failed: database unavailable: {}", method, failure.toString());
      return fromRule(DatabaseUnavailableException.unreachable());
    }
    if (DatabaseFailures.isCancelled(failure)) {
      return build(Code.DEADLINE_EXCEEDED, "the call ran out of time; its database work was"
          + " cancelled", errorInfo("DEADLINE_EXCEEDED", Map.of()));
    }
    String incident = UUID.randomUUID().toString();
    // The stack trace's line carries the incident id as a field too (JSON logs), as the call's
    // failed-call line does (CallLogging reads it from the ErrorInfo).
    try (MDC.MDCCloseable ignored = MDC.putCloseable(CallLogging.INCIDENT_ID, incident)) {
      log.error("{} failed with an unexpected error, incident {}", method, incident, failure);
    }
    return build(Code.INTERNAL, "internal error (incident " + incident + ")",
        errorInfo("INTERNAL", Map.of("incident", incident)));
  }

  /**
   * The status of each category of rule (the permitted subclasses of RosterException). Java 17
   * cannot check that this map is complete, so ErrorTranslatorTest walks the permitted subclasses:
   * a new category without a line here fails that test.
   */
  private static final Map<Class<? extends RosterException>, Code> CATEGORY_CODES = Map.of(
      InvalidArgumentException.class, Code.INVALID_ARGUMENT,
      NotFoundException.class, Code.NOT_FOUND,
      AlreadyExistsException.class, Code.ALREADY_EXISTS,
      FailedPreconditionException.class, Code.FAILED_PRECONDITION,
      AbortedException.class, Code.ABORTED,
      UnauthenticatedException.class, Code.UNAUTHENTICATED,
      PermissionDeniedException.class, Code.PERMISSION_DENIED,
      DeadlineExceededException.class, Code.DEADLINE_EXCEEDED,
      ResourceExhaustedException.class, Code.RESOURCE_EXHAUSTED,
      UnavailableException.class, Code.UNAVAILABLE);

  /** The status of a category of rule; UNKNOWN for a category that has none (a bug). */
  static Code codeOf(Class<? extends RosterException> category) {
    return CATEGORY_CODES.getOrDefault(category, Code.UNKNOWN);
  }

  private static StatusRuntimeException fromRule(RosterException e) {
    Code code = codeOf(categoryOf(e));
    if (code == Code.UNKNOWN) {
      throw new IllegalStateException("no status for " + e.getClass().getName(), e);
    }
    ErrorInfo info = errorInfo(e.reason(), e.metadata());
    if (e instanceof InvalidArgumentException invalid && !invalid.violations().isEmpty()) {
      // Bounded (first few, cut to size): the whole error must fit in the trailers.
      BadRequest.Builder bad = BadRequest.newBuilder();
      for (FieldViolation v : invalid.reportedViolations()) {
        bad.addFieldViolations(BadRequest.FieldViolation.newBuilder()
            .setField(v.field())
            .setReason(v.reason())
            .setDescription(v.description()));
      }
      return build(code, e.getMessage(), info, bad.build());
    }
    if (e instanceof ResourceExhaustedException exhausted && exhausted.retryAfter().isPresent()) {
      return build(code, e.getMessage(), info, retryInfo(exhausted.retryAfter().get()));
    }
    if (e instanceof UnavailableException unavailable) {
      return build(code, e.getMessage(), info, retryInfo(unavailable.retryDelay()));
    }
    return build(code, e.getMessage(), info);
  }

  /** The direct subclass of RosterException that {@code e} is a rule of. */
  @SuppressWarnings("unchecked")
  private static Class<? extends RosterException> categoryOf(RosterException e) {
    Class<?> type = e.getClass();
    while (type.getSuperclass() != RosterException.class) {
      type = type.getSuperclass();
    }
    return (Class<? extends RosterException>) type;
  }

  private static RetryInfo retryInfo(Duration delay) {
    return RetryInfo.newBuilder()
        .setRetryDelay(com.google.protobuf.Duration.newBuilder()
            .setSeconds(delay.getSeconds()).setNanos(delay.getNano()))
        .build();
  }

  private static ErrorInfo errorInfo(String reason, Map<String, String> metadata) {
    return ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build();
  }

  private static StatusRuntimeException build(Code code, String message, com.google.protobuf.Message... details) {
    // The message is sent twice (grpc-message and inside the details): bound it, since rule
    // messages may quote what the client sent.
    Status.Builder status = Status.newBuilder().setCode(code.getNumber())
        .setMessage(BoundedText.utf8(message, MAX_MESSAGE_BYTES));
    for (var detail : details) {
      status.addDetails(Any.pack(detail));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }
}
