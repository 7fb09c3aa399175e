package dev.roster.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.testing.GrpcErrors;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.TestServer;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Request bytes that are not a message, or that inflate past the limit, over a real TCP server
 * (where ROSTER_MAX_MESSAGE_BYTES applies, at its default of 1 MiB): clean codes with ErrorInfo, one
 * WARN line without a stack trace, and none of grpc's SEVERE "Application error" traces.
 */
class MalformedMessageTest {
  private static final String METHOD = AccountsServiceGrpc.getGetOrganizationMethod()
      .getFullMethodName();
  /** The grpc logger that used to print a SEVERE stack trace for every such call. */
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  private static TestServer server;
  private final List<LogRecord> grpcSevere = new CopyOnWriteArrayList<>();
  private final Handler severeCatcher = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()) {
        grpcSevere.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final ListAppender<ILoggingEvent> ourLog = new ListAppender<>();

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  @BeforeEach
  void captureLogs() {
    GRPC_LOG.addHandler(severeCatcher);
    ourLog.start();
    decodingLogger().addAppender(ourLog);
  }

  @AfterEach
  void releaseLogs() {
    GRPC_LOG.removeHandler(severeCatcher);
    decodingLogger().detachAppender(ourLog);
  }

  @Test
  void garbledBytes_invalidArgumentMalformedMessage_oneWarnLine() {
    // 0x0A says "field 1, length-delimited", then a length far past the end of the message.
    byte[] garbled = {0x0A, (byte) 0xFF, 0x7F, 'x'};

    Failure failure = call(new ByteArrayInputStream(garbled), false);

    failure.is(Status.Code.INVALID_ARGUMENT, "MALFORMED_MESSAGE");
    assertThat(failure.errorInfo().getMetadataMap())
        .containsEntry("messageType", "roster.accounts.v1.GetOrganizationRequest");
    assertThat(failure.violations()).as("no field to blame").isEmpty();
    assertOneWarningAndNoGrpcSevere("undecodable request message");
  }

  @Test
  void gzipBomb_resourceExhaustedMessageTooLarge_oneWarnLine() {
    // A valid start (field 1, a string of 100 MB) whose zeros gzip to about 100 KB: under the
    // 1 MiB frame limit on the wire, a hundred times over it once inflated.
    long length = 100L << 20;

    Failure failure = call(new ZerosAfterHeader(length), true);

    failure.is(Status.Code.RESOURCE_EXHAUSTED, "MESSAGE_TOO_LARGE");
    assertThat(failure.errorInfo().getMetadataMap()).containsEntry("limitBytes",
        Integer.toString(1 << 20));
    assertOneWarningAndNoGrpcSevere("too large once decompressed");
  }

  @Test
  void goodBytes_afterBadOnes_stillServed() {
    call(new ByteArrayInputStream(new byte[] {0x0A, (byte) 0xFF}), false)
        .is(Status.Code.INVALID_ARGUMENT, "MALFORMED_MESSAGE");

    // A well-formed request for a name that does not exist reaches the handler: NOT_FOUND.
    byte[] good = GetOrganizationRequest.newBuilder()
        .setName("organizations/0190c5d6-0000-7000-8000-000000000000").build().toByteArray();
    call(new ByteArrayInputStream(good), true).is(Status.Code.NOT_FOUND, "ORGANIZATION_NOT_FOUND");
  }

  private void assertOneWarningAndNoGrpcSevere(String text) {
    assertThat(ourLog.list).singleElement().satisfies(event -> {
      assertThat(event.getLevel()).isEqualTo(Level.WARN);
      assertThat(event.getFormattedMessage()).contains(METHOD).contains(text);
      assertThat(event.getThrowableProxy()).as("no stack trace").isNull();
      // Calls start inline on the transport thread (the server's default executor is direct), so
      // this guards that decoding and the interceptor chain still run on a call thread.
      assertThat(event.getThreadName()).as("decoded on a call thread").startsWith("roster-call-");
    });
    assertThat(grpcSevere).as("grpc's SEVERE log records").isEmpty();
  }

  /** Sends {@code body} as GetOrganization's request bytes, as the platform admin. */
  private static Failure call(InputStream body, boolean gzip) {
    MethodDescriptor<InputStream, InputStream> method = AccountsServiceGrpc
        .getGetOrganizationMethod().toBuilder(new RawBytes(), new RawBytes()).build();
    CallOptions options = CallOptions.DEFAULT
        .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
    if (gzip) {
      options = options.withCompression("gzip");
    }
    CallOptions finalOptions = options;
    Failure failure = GrpcErrors.failure(() -> ClientCalls.blockingUnaryCall(
        server.channel(), method, finalOptions, body));
    assertThat(failure.code()).isNotIn(Status.Code.UNKNOWN, Status.Code.INTERNAL);
    return failure;
  }

  private static ch.qos.logback.classic.Logger decodingLogger() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(MessageDecoding.class);
  }

  /** Passes bytes through untouched: the test, not protobuf, decides what goes on the wire. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<InputStream> {
    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream;
    }
  }

  /** Field 1 as a string of {@code length} zero bytes, produced as it is read (never in memory). */
  private static final class ZerosAfterHeader extends InputStream {
    private final byte[] header;
    private long remaining;
    private int headerPos;

    ZerosAfterHeader(long length) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      out.write(0x0A);
      long v = length;
      while (v >= 0x80) {
        out.write((int) (v & 0x7F) | 0x80);
        v >>>= 7;
      }
      out.write((int) v);
      this.header = out.toByteArray();
      this.remaining = length;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (headerPos < header.length) {
        int n = Math.min(len, header.length - headerPos);
        System.arraycopy(header, headerPos, b, off, n);
        headerPos += n;
        return n;
      }
      if (remaining == 0) {
        return -1;
      }
      int n = (int) Math.min(len, remaining);
      java.util.Arrays.fill(b, off, off + n, (byte) 0);
      remaining -= n;
      return n;
    }
  }
}
