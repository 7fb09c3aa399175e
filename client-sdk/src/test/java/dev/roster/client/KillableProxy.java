package dev.roster.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on 127.0.0.1 in front of a test server, which {@link #kill()} takes down the way
 * a killed process goes: every connection reset (RST, no HTTP/2 goodbye) and the port refused.
 * An in-process gRPC server's {@code shutdownNow()} instead cancels its streams cleanly, which a
 * client sees as CANCELLED rather than a lost connection.
 */
final class KillableProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int upstreamPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  private KillableProxy(int upstreamPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "proxy-accept-" + listener.getLocalPort());
    accept.setDaemon(true);
    accept.start();
  }

  /** Forwards a new loopback port to {@code upstreamPort} on 127.0.0.1. */
  static KillableProxy to(int upstreamPort) {
    try {
      return new KillableProxy(upstreamPort);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
  }

  /** Refuses new connections and resets every open one. */
  void kill() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket socket : sockets) {
      try {
        socket.setSoLinger(true, 0);
        socket.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  @Override
  public void close() {
    kill();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // one side went away; closing both below
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
    }, "proxy-pump");
    thread.setDaemon(true);
    thread.start();
  }
}
