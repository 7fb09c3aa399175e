package dev.roster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

class ErrorTranslatorTest {
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
