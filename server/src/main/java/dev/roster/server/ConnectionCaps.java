package dev.roster.server;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the TCP connections of one gRPC port, in total and per client address (IPv6 grouped by
 * /64, since one host holds a whole /64). A connection over either cap is closed the moment it is
 * accepted, with a reset, before any TLS or HTTP/2 work is spent on it; a slot frees when an
 * accepted connection closes (the client leaves, or the idle, age or keepalive limits close it).
 *
 * <p>Counting happens as the server channel hands over an accepted connection, on Netty's boss
 * thread: the checks are a few atomic operations, and closing a not-yet-registered socket does not
 * block.
 */
final class ConnectionCaps {
  private static final Logger log = LoggerFactory.getLogger(ConnectionCaps.class);
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private final int maxTotal;
  private final int maxPerAddress;
  private final AtomicInteger total = new AtomicInteger();
  private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  ConnectionCaps(int maxTotal, int maxPerAddress) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
  }

  /**
   * A server channel that admits accepted connections through these caps: epoll where the native
   * transport loads (as gRPC's own default), NIO elsewhere. The gate is the first handler of the
   * server channel's pipeline, ahead of the acceptor that registers children, so a refused
   * connection is closed before it reaches an event loop of its own.
   */
  ServerChannel newServerChannel() {
    ServerChannel channel = EventLoops.EPOLL ? new EpollServerSocketChannel()
        : new NioServerSocketChannel();
    channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof Channel child && !admit(child)) {
          return;
        }
        ctx.fireChannelRead(message);
      }
    });
    return channel;
  }

  /** Counts {@code child} in, or closes it if a cap is reached. */
  private boolean admit(Channel child) {
    InetAddress address = group(child.remoteAddress());
    if (tryAcquire(address)) {
      child.closeFuture().addListener(closed -> release(address));
      return true;
    }
    try {
      // A reset, not a FIN: a flood of refused connections leaves no TIME_WAIT behind here.
      child.config().setOption(io.grpc.netty.shaded.io.netty.channel.ChannelOption.SO_LINGER, 0);
    } finally {
      child.unsafe().closeForcibly();
    }
    logRefusal(address);
    return false;
  }

  boolean tryAcquire(InetAddress address) {
    if (total.incrementAndGet() > maxTotal) {
      total.decrementAndGet();
      return false;
    }
    boolean[] admitted = {false};
    perAddress.compute(address, (key, count) -> {
      int now = count == null ? 0 : count;
      if (now >= maxPerAddress) {
        return count;
      }
      admitted[0] = true;
      return now + 1;
    });
    if (!admitted[0]) {
      total.decrementAndGet();
    }
    return admitted[0];
  }

  void release(InetAddress address) {
    perAddress.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
    total.decrementAndGet();
  }

  int open() {
    return total.get();
  }

  /** One line per ten seconds at most: a connection flood must not become a log flood. */
  private void logRefusal(InetAddress address) {
    long count = refused.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
      log.warn("refused a connection from {}: {} of {} connections open, limit {} per address;"
          + " {} refused since start", address.getHostAddress(), total.get(), maxTotal,
          maxPerAddress, count);
    }
  }

  /** The address a connection counts against: IPv4 as is, IPv6 by its /64 prefix. */
  static InetAddress group(SocketAddress remote) {
    if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return InetAddress.getLoopbackAddress();
    }
    InetAddress address = inet.getAddress();
    if (address instanceof Inet6Address) {
      byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
      Arrays.fill(prefix, 8, 16, (byte) 0);
      try {
        return InetAddress.getByAddress(prefix);
      } catch (UnknownHostException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
    return address;
  }

  /**
   * Event loops for servers that use {@link #newServerChannel}: a custom server channel needs
   * event loops of its own kind, so these replace grpc's defaults. Shared by every server of the
   * process, as grpc's are, on daemon threads, so they need no shutdown of their own.
   */
  static final class EventLoops {
    /** gRPC's own default: the native transport where it loads. */
    static final boolean EPOLL = Epoll.isAvailable();
    static final EventLoopGroup BOSS = group("roster-accept-", 1);
    static final EventLoopGroup WORKERS = group("roster-netty-", 0);

    private EventLoops() {}

    private static EventLoopGroup group(String prefix, int threads) {
      AtomicInteger n = new AtomicInteger();
      ThreadFactory factory = r -> {
        Thread t = new Thread(r, prefix + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
      return new MultiThreadIoEventLoopGroup(threads, factory,
          EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }
  }
}
