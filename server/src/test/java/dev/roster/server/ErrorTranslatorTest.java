package dev.roster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.roster.access.ApiKeyNotFoundException;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.errors.ResourceExhaustedException;
import dev.roster.platform.errors.RosterException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ErrorTranslatorTest {
  @Test
  void everyCategory_hasItsOwnSpecificStatus() {
    Class<?>[] categories = RosterException.class.getPermittedSubclasses();
    assertThat(categories).isNotEmpty();
    Set<Code> codes = new HashSet<>();
    for (Class<?> category : categories) {
      Code code = ErrorTranslator.codeOf(category.asSubclass(RosterException.class));
      assertThat(code).as("status of %s", category.getSimpleName())
          .isNotIn(Code.OK, Code.UNKNOWN, Code.INTERNAL, Code.UNRECOGNIZED);
      assertThat(codes.add(code)).as("%s shares %s with another category",
          category.getSimpleName(), code).isTrue();
    }
  }

  @Test
  void rule_getsItsCategoryStatusReasonAndMetadata() throws Exception {
    UUID id = UUID.randomUUID();
    StatusRuntimeException e = ErrorTranslator.translate(new ApiKeyNotFoundException(id), "svc/M");

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(e.getStatus().getDescription()).isEqualTo("API key " + id + " does not exist");
    ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo("API_KEY_NOT_FOUND");
    assertThat(info.getDomain()).isEqualTo("roster.dev");
    assertThat(info.getMetadataMap()).containsEntry("apiKeyId", id.toString());
  }

  @Test
  void invalidArgument_carriesBadRequestAndResourceExhaustedRetryInfo() throws Exception {
    StatusRuntimeException bad = ErrorTranslator.translate(
        InvalidArgumentException.of("page_size", "INVALID_VALUE", "must not be negative"), "svc/M");
    StatusRuntimeException limited = ErrorTranslator.translate(new ResourceExhaustedException(
        "RATE_LIMIT_EXCEEDED", "slow down", Duration.ofMillis(1500), Map.of()), "svc/M");

    assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(StatusProto.fromThrowable(bad).getDetails(1).unpack(BadRequest.class)
        .getFieldViolations(0).getField()).isEqualTo("page_size");
    assertThat(limited.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(StatusProto.fromThrowable(limited).getDetails(1).unpack(RetryInfo.class)
        .getRetryDelay().getNanos()).isEqualTo(500_000_000);
  }

  @Test
  void unexpectedException_internalWithIncidentAndNoInternals() throws Exception {
    StatusRuntimeException e = ErrorTranslator.translate(
        new IllegalStateException("password=hunter2 at dev.roster.Secret"), "svc/Method");

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.getStatus().getDescription()).doesNotContain("hunter2").doesNotContain("Secret");
    ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo("INTERNAL");
    assertThat(e.getStatus().getDescription()).contains(info.getMetadataOrThrow("incident"));
  }

  @Test
  void databaseUnreachable_unavailableSoCallersRetry() throws Exception {
    StatusRuntimeException e = ErrorTranslator.translate(
        new RuntimeException(new SQLTransientConnectionException("pool timed out")), "svc/Method");

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class).getReason())
        .isEqualTo("DATABASE_UNAVAILABLE");
  }
}
