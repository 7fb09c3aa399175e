package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every gRPC status becomes its own typed exception. */
class ErrorsTest {
  private static final Map<Status.Code, Class<? extends RosterException>> TYPES = Map.ofEntries(
      Map.entry(Status.Code.CANCELLED, CancelledException.class),
      Map.entry(Status.Code.UNKNOWN, UnknownException.class),
      Map.entry(Status.Code.INVALID_ARGUMENT, InvalidArgumentException.class),
      Map.entry(Status.Code.DEADLINE_EXCEEDED, DeadlineExceededException.class),
      Map.entry(Status.Code.NOT_FOUND, NotFoundException.class),
      Map.entry(Status.Code.ALREADY_EXISTS, AlreadyExistsException.class),
      Map.entry(Status.Code.PERMISSION_DENIED, PermissionDeniedException.class),
      Map.entry(Status.Code.RESOURCE_EXHAUSTED, ResourceExhaustedException.class),
      Map.entry(Status.Code.FAILED_PRECONDITION, FailedPreconditionException.class),
      Map.entry(Status.Code.ABORTED, AbortedException.class),
      Map.entry(Status.Code.OUT_OF_RANGE, OutOfRangeException.class),
      Map.entry(Status.Code.UNIMPLEMENTED, UnimplementedException.class),
      Map.entry(Status.Code.INTERNAL, InternalException.class),
      Map.entry(Status.Code.UNAVAILABLE, UnavailableException.class),
      Map.entry(Status.Code.DATA_LOSS, DataLossException.class),
      Map.entry(Status.Code.UNAUTHENTICATED, UnauthenticatedException.class));

  @Test
  void everyErrorCode_hasItsOwnType_withItsCode() {
    for (Status.Code code : Status.Code.values()) {
      if (code == Status.Code.OK) {
        continue;
      }
      RosterException e = Errors.translate(Status.fromCode(code).withDescription("d")
          .asRuntimeException());
      assertThat(e).as(code.name()).isExactlyInstanceOf(TYPES.get(code));
      assertThat(e.code()).isEqualTo(code);
      assertThat(e.getMessage()).isEqualTo(code + ": d");
      assertThat(e.reason()).isEmpty();
      assertThat(e.details()).isEmpty();
      assertThat(e.isRetryable()).isEqualTo(code == Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void grpcsOwnMessageSizeRefusal_isRequestTooLarge() {
    RosterException e = Errors.translate(Status.RESOURCE_EXHAUSTED
        .withDescription("gRPC message exceeds maximum size 4096: 9000").asRuntimeException());
    assertThat(e).isInstanceOf(RequestTooLargeException.class);
    assertThat(e.isRetryable()).isFalse();
  }

  @Test
  void aFailureThatIsNotFromGrpc_isUnknown_withTheCause() {
    IllegalStateException bug = new IllegalStateException("interceptor bug");
    RosterException e = Errors.translate(bug);
    assertThat(e).isInstanceOf(UnknownException.class);
    assertThat(e.getCause()).isSameAs(bug);
  }
}
