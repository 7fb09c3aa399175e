package dev.roster.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Asserts on gRPC errors and their google.rpc details. */
public final class GrpcErrors {
  private GrpcErrors() {}

  /** The error a call fails with; fails the test if the call succeeds. */
  public static Failure failure(ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("the call should have failed").isNotNull();
    return new Failure(e);
  }

  /** A failed call's status and details. */
  public record Failure(StatusRuntimeException exception) {
    public Status.Code code() {
      return exception.getStatus().getCode();
    }

    public String message() {
      return exception.getStatus().getDescription();
    }

    public ErrorInfo errorInfo() {
      return detail(ErrorInfo.class).orElseThrow(() -> new AssertionError("no ErrorInfo in " + exception));
    }

    public String reason() {
      return errorInfo().getReason();
    }

    /** The RetryInfo's delay; fails the test if the error has none. */
    public java.time.Duration retryDelay() {
      var delay = detail(RetryInfo.class)
          .orElseThrow(() -> new AssertionError("no RetryInfo in " + exception)).getRetryDelay();
      return java.time.Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
    }

    public List<BadRequest.FieldViolation> violations() {
      return detail(BadRequest.class).map(BadRequest::getFieldViolationsList).orElse(List.of());
    }

    public List<String> badFields() {
      return violations().stream().map(BadRequest.FieldViolation::getField).toList();
    }

    /** Checks code, reason and domain in one go and returns this for more checks. */
    public Failure is(Status.Code code, String reason) {
      assertThat(code()).as("status code of %s", exception).isEqualTo(code);
      assertThat(errorInfo().getReason()).isEqualTo(reason);
      assertThat(errorInfo().getDomain()).isEqualTo("roster.dev");
      return this;
    }

    /** Checks INVALID_ARGUMENT naming {@code field} with {@code reason}. */
    public Failure isBadField(String field, String reason) {
      assertThat(code()).as("status code of %s", exception).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(violations())
          .as("field violations")
          .anySatisfy(v -> {
            assertThat(v.getField()).isEqualTo(field);
            assertThat(v.getReason()).isEqualTo(reason);
            assertThat(v.getDescription()).isNotBlank();
          });
      assertThat(errorInfo().getDomain()).isEqualTo("roster.dev");
      return this;
    }

    private <T extends com.google.protobuf.Message> Optional<T> detail(Class<T> type) {
      com.google.rpc.Status status = StatusProto.fromThrowable(exception);
      if (status == null) {
        return Optional.empty();
      }
      for (var any : status.getDetailsList()) {
        if (any.is(type)) {
          try {
            return Optional.of(any.unpack(type));
          } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
          }
        }
      }
      return Optional.empty();
    }
  }
}
