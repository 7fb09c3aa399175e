package dev.roster.server;

import dev.roster.config.RosterConfig;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The gRPC server's transport: the listening port, the hard limits of {@link RosterConfig.Limits}
 * and, when configured, TLS (mTLS with a client CA). Limits live here, below every interceptor,
 * because what they guard against (huge messages, header floods, idle or stuck connections, ping
 * and reset floods) must be refused before any code of ours spends memory or a thread on it.
 * Services and interceptors are the caller's business.
 */
public final class ServerTransport {
  private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private ServerTransport() {}

  /**
   * A server builder for {@code config.grpcPort()} with every transport limit applied:
   *
   * <ul>
   *   <li>{@code maxInboundMessageSize}: a message is buffered whole before it is parsed, so this
   *       bounds the memory one call can claim; larger messages fail with RESOURCE_EXHAUSTED before
   *       any interceptor or handler sees them.
   *   <li>{@code maxInboundMetadataSize}: headers are decoded before a call starts; this bounds the
   *       memory a header flood can claim. It is announced as HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE,
   *       so gRPC clients refuse oversize calls themselves (INTERNAL, nothing sent); a client that
   *       sends anyway gets HTTP 431, and well beyond the limit its whole connection is closed.
   *   <li>{@code maxConcurrentCallsPerConnection}: one connection cannot hog the executor or the
   *       database pool. It is announced as SETTINGS_MAX_CONCURRENT_STREAMS: extra calls are not
   *       failed but queue in the client until a stream frees (or their deadline passes).
   *   <li>{@code handshakeTimeout}: a connection that never finishes its TLS and HTTP/2 handshake
   *       (slowloris) is dropped instead of holding a socket forever.
   *   <li>{@code keepAliveTime} and {@code keepAliveTimeout}: the server pings idle connections
   *       and closes those whose peer vanished without a FIN (crashed pod, dropped NAT entry). gRPC
   *       raises a keepAliveTime below 10 seconds to 10 seconds.
   *   <li>{@code permitKeepAliveTime}, without calls not permitted: clients pinging more often, or
   *       pinging while they have no call open, are told ENHANCE_YOUR_CALM and disconnected (ping
   *       flood).
   *   <li>{@code maxConnectionIdle}: connections without calls are closed, so idle clients do not
   *       pin file descriptors. gRPC raises values below 1 second to 1 second.
   *   <li>{@code maxConnectionAge} and {@code maxConnectionAgeGrace}: long-lived connections are
   *       closed gracefully (GOAWAY; gRPC adds +/-10% jitter) so clients reconnect and spread over
   *       new replicas; in-flight calls get the grace period.
   *   <li>{@code maxRstFramesPerWindow}: a connection that opens and resets streams faster than
   *       this is closed (HTTP/2 "rapid reset", CVE-2023-44487). gRPC counts the window in whole
   *       seconds, so a sub-second window is rounded up to one second.
   *   <li>{@code maxConnections} and {@code maxConnectionsPerAddress}: a connection over either cap
   *       is reset as it is accepted (see {@link ConnectionCaps}), so one client cannot hold every
   *       socket and file descriptor of the process.
   * </ul>
   *
   * <p>gRPC treats durations of 1000 days or more as infinite, which switches keepalive, idle and
   * age off.
   *
   * <p>With {@code config.tls()} present the port speaks TLS 1.2 or 1.3 only, and with a client CA
   * every client must present a certificate that chains to it.
   *
   * @throws UncheckedIOException if the certificate, key or client CA file cannot be read or parsed
   */
  public static NettyServerBuilder builder(RosterConfig config) {
    RosterConfig.Limits limits = config.limits();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.grpcPort()))
            .maxInboundMessageSize(limits.maxMessageBytes())
            .maxInboundMetadataSize(limits.maxMetadataBytes())
            .maxConcurrentCallsPerConnection(limits.maxConcurrentCallsPerConnection())
            .handshakeTimeout(nanos(limits.handshakeTimeout()), TimeUnit.NANOSECONDS)
            .keepAliveTime(nanos(limits.keepAliveTime()), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(nanos(limits.keepAliveTimeout()), TimeUnit.NANOSECONDS)
            .permitKeepAliveTime(nanos(limits.permitKeepAliveTime()), TimeUnit.NANOSECONDS)
            .permitKeepAliveWithoutCalls(false)
            .maxConnectionIdle(nanos(limits.maxConnectionIdle()), TimeUnit.NANOSECONDS)
            .maxConnectionAge(nanos(limits.maxConnectionAge()), TimeUnit.NANOSECONDS)
            .maxConnectionAgeGrace(nanos(limits.maxConnectionAgeGrace()), TimeUnit.NANOSECONDS)
            .maxRstFramesPerWindow(limits.maxRstPerWindow(), wholeSeconds(limits.rstWindow()));
    ConnectionCaps caps = new ConnectionCaps(limits.maxConnections(),
        limits.maxConnectionsPerAddress());
    builder.channelFactory(caps::newServerChannel)
        .bossEventLoopGroup(ConnectionCaps.EventLoops.BOSS)
        .workerEventLoopGroup(ConnectionCaps.EventLoops.WORKERS);
    config.tls().ifPresent(tls -> builder.sslContext(sslContext(tls)));
    return builder;
  }

  private static SslContext sslContext(RosterConfig.Tls tls) {
    try {
      SslContextBuilder ssl = GrpcSslContexts.forServer(tls.certFile().toFile(),
              tls.keyFile().toFile())
          .protocols(TLS_PROTOCOLS);
      if (tls.clientCaFile().isPresent()) {
        ssl.trustManager(tls.clientCaFile().get().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      return ssl.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new UncheckedIOException(new SSLException(
          "could not load TLS certificate " + tls.certFile() + ", key " + tls.keyFile()
              + tls.clientCaFile().map(ca -> " or client CA " + ca).orElse("") + ": "
              + e.getMessage(), e));
    }
  }

  /** Saturates, so a huge configured duration means "practically never" rather than overflow. */
  private static long nanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Rounds up: gRPC takes the RST window in whole seconds, and zero is not allowed. */
  private static int wholeSeconds(Duration duration) {
    long seconds = duration.getSeconds() + (duration.getNano() > 0 ? 1 : 0);
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, seconds));
  }
}
