package dev.roster.server;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import dev.roster.platform.errors.BoundedText;
import dev.roster.platform.errors.FieldViolation;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.UpdateOrganizationRequest;
import dev.roster.testing.Fixtures;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.TestServer;
import io.grpc.Metadata;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Errors stay small whatever the request provokes: gRPC clients refuse trailers over 8 KiB and read
 * the call as INTERNAL, so a request with many bad fields must still get its INVALID_ARGUMENT.
 */
class BoundedErrorsTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  @Test
  void fiftyBadMaskPaths_invalidArgumentWithTenViolationsAndACount_smallTrailer() {
    Organization org = server.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("mask"))).build());
    FieldMask.Builder mask = FieldMask.newBuilder();
    IntStream.range(0, 50).forEach(i -> mask.addPaths("no_such_field_" + i + "_" + "x".repeat(60)));

    Failure failure = failure(() -> server.accounts().updateOrganization(
        UpdateOrganizationRequest.newBuilder()
            .setOrganization(Organization.newBuilder().setName(org.getName()).setDisplayName("x"))
            .setUpdateMask(mask).build()));

    failure.is(Status.Code.INVALID_ARGUMENT, "UNKNOWN_FIELD");
    assertThat(failure.violations()).hasSize(10);
    assertThat(failure.errorInfo().getMetadataMap()).containsEntry("omittedViolations", "40");
    assertThat(failure.message()).endsWith("(and 40 more)");
    assertThat(trailerBytes(failure)).as("trailer size").isLessThan(4 << 10);
  }

  @Test
  void longAndWideDescriptions_cutOnCharacterBoundaries() {
    String wide = "\uD83D\uDE00".repeat(500); // 500 emoji: 2 chars, 4 UTF-8 bytes each
    InvalidArgumentException e = new InvalidArgumentException(List.of(
        new FieldViolation("f".repeat(1000), "R", wide)));

    FieldViolation reported = e.reportedViolations().get(0);

    assertThat(reported.field().getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(100);
    assertThat(reported.description().getBytes(StandardCharsets.UTF_8))
        .hasSizeLessThanOrEqualTo(200);
    assertThat(reported.description()).endsWith("...")
        .doesNotContain("\uFFFD");
    assertThat(Character.isHighSurrogate(
        reported.description().charAt(reported.description().length() - 4))).isFalse();
    assertThat(e.getMessage().getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(512);
    assertThat(e.violations().get(0).description()).as("kept whole for code").isEqualTo(wide);
  }

  @Test
  void shortText_keptAsIs() {
    assertThat(BoundedText.utf8("déjà vu", 9)).isEqualTo("déjà vu");
    assertThat(BoundedText.utf8("déjà vu", 8)).isEqualTo("déj...");
  }

  @Test
  void hugeRuleMessage_cutInTheStatus() {
    InvalidArgumentException e = InvalidArgumentException.of("f", "R", "y".repeat(100_000));

    var status = ErrorTranslator.translate(e, "svc/M").getStatus();

    assertThat(status.getDescription().length()).isLessThanOrEqualTo(1024);
  }

  /** What the error costs on the wire: the message plus every trailer, binary ones as base64. */
  private static int trailerBytes(Failure failure) {
    Metadata trailers = failure.exception().getTrailers();
    int size = failure.message().getBytes(StandardCharsets.UTF_8).length;
    for (String key : trailers.keys()) {
      if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        for (byte[] value : trailers.getAll(
            Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER))) {
          size += key.length() + (value.length + 2) / 3 * 4;
        }
      } else {
        for (String value : trailers.getAll(
            Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))) {
          size += key.length() + value.length();
        }
      }
    }
    return size;
  }
}
