package dev.roster.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.testing.Await;
import dev.roster.testing.TestServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ROSTER_MAX_CONNECTIONS and ROSTER_MAX_CONNECTIONS_PER_ADDRESS over real loopback TCP. Linux
 * routes all of 127.0.0.0/8 to loopback, so binding 127.0.0.2 and 127.0.0.3 gives other clients.
 */
class ConnectionCapsTest {
  /** HTTP/2 client preface and an empty SETTINGS frame. */
  private static final byte[] PREFACE = concat(
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
      new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});

  private TestServer server;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeEach
  void start() {
    server = TestServer.start(Map.of(
        "ROSTER_MAX_CONNECTIONS", "3",
        "ROSTER_MAX_CONNECTIONS_PER_ADDRESS", "2"));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
    server.close();
  }

  @Test
  void connections_overPerAddressAndTotalCaps_closedAtOnce_othersKeepWorking() throws Exception {
    ManagedChannel first = channel();
    ManagedChannel second = channel();
    assertThat(check(first)).isEqualTo(ServingStatus.SERVING);
    assertThat(check(second)).isEqualTo(ServingStatus.SERVING);

    assertThat(probe("127.0.0.1")).as("third from 127.0.0.1").isEqualTo(Outcome.CLOSED);
    Socket other = connect("127.0.0.2");
    assertThat(answer(other)).as("first from 127.0.0.2").isEqualTo(Outcome.ACCEPTED);
    assertThat(probe("127.0.0.3")).as("a fourth in total").isEqualTo(Outcome.CLOSED);

    assertThat(check(first)).isEqualTo(ServingStatus.SERVING);
    assertThat(check(second)).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void closedConnection_freesItsSlot() throws Exception {
    ManagedChannel first = channel();
    ManagedChannel second = channel();
    assertThat(check(first)).isEqualTo(ServingStatus.SERVING);
    assertThat(check(second)).isEqualTo(ServingStatus.SERVING);
    assertThat(probe("127.0.0.1")).isEqualTo(Outcome.CLOSED);

    first.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);

    // The server learns of the close asynchronously; until then the probe is still refused.
    Await.until("a slot for 127.0.0.1 frees", () -> probe("127.0.0.1") == Outcome.ACCEPTED);
    assertThat(check(second)).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void group_ipv6CountsPerSlash64_ipv4PerAddress() throws Exception {
    InetAddress a = ConnectionCaps.group(new InetSocketAddress("2001:db8:1:2:aaaa::1", 1));
    InetAddress b = ConnectionCaps.group(new InetSocketAddress("2001:db8:1:2:bbbb::9", 2));
    InetAddress c = ConnectionCaps.group(new InetSocketAddress("2001:db8:1:3::1", 1));

    assertThat(a).isEqualTo(b).isNotEqualTo(c);
    assertThat(ConnectionCaps.group(new InetSocketAddress("10.0.0.1", 1)))
        .isNotEqualTo(ConnectionCaps.group(new InetSocketAddress("10.0.0.2", 1)));
  }

  @Test
  void tryAcquire_perAddressThenTotal_releaseFreesBoth() throws Exception {
    ConnectionCaps caps = new ConnectionCaps(2, 1);
    InetAddress one = InetAddress.getByName("10.0.0.1");
    InetAddress two = InetAddress.getByName("10.0.0.2");

    assertThat(caps.tryAcquire(one)).isTrue();
    assertThat(caps.tryAcquire(one)).as("second from one address").isFalse();
    assertThat(caps.tryAcquire(two)).isTrue();
    assertThat(caps.tryAcquire(InetAddress.getByName("10.0.0.3"))).as("third in total").isFalse();
    assertThat(caps.open()).isEqualTo(2);

    caps.release(one);

    assertThat(caps.open()).isEqualTo(1);
    assertThat(caps.tryAcquire(one)).isTrue();
  }

  private enum Outcome { ACCEPTED, CLOSED }

  /** Connects from {@code local}, sends a preface, and closes again after the answer. */
  private Outcome probe(String local) {
    try (Socket socket = connect(local)) {
      return answer(socket);
    } catch (IOException e) {
      return Outcome.CLOSED;
    }
  }

  private Socket connect(String local) throws IOException {
    Socket socket = new Socket();
    opened.add(socket);
    socket.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
    socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
    return socket;
  }

  /** An accepted connection answers the preface with the server's SETTINGS; a refused one ends. */
  private static Outcome answer(Socket socket) {
    try {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(PREFACE);
      out.flush();
      return socket.getInputStream().read() >= 0 ? Outcome.ACCEPTED : Outcome.CLOSED;
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server neither answered nor closed", e);
    } catch (IOException e) {
      return Outcome.CLOSED; // reset
    }
  }

  private ManagedChannel channel() {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port())
        .usePlaintext().build();
    opened.add(channel::shutdownNow);
    return channel;
  }

  private static ServingStatus check(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
