package dev.roster.observability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP port ({@code ROSTER_ADMIN_PORT}), off the gRPC port: Prometheus {@code /metrics},
 * {@code /livez} (the process answers) and {@code /readyz} (200 when the gRPC health service says
 * SERVING, 503 otherwise). It runs on threads of its own, so a slow scrape never holds a gRPC
 * thread, and the scrape's SQL (the job backlog) runs on them too.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  private final HttpServer http;
  private final ExecutorService threads;

  private AdminServer(HttpServer http, ExecutorService threads) {
    this.http = http;
    this.threads = threads;
  }

  /**
   * Listens on {@code port} of every interface, as gRPC does (0 picks a free port).
   *
   * @throws IOException if the port cannot be bound
   */
  public static AdminServer start(int port, Metrics metrics, BooleanSupplier ready)
      throws IOException {
    return start(port, Optional.of(metrics), ready);
  }

  /**
   * As {@link #start(int, Metrics, BooleanSupplier)}; without {@code metrics}
   * ({@code ROSTER_METRICS_ENABLED=false}) {@code /metrics} answers 404, so a scrape that was
   * left configured fails visibly ({@code up == 0}) instead of reading an empty target.
   *
   * @throws IOException if the port cannot be bound
   */
  public static AdminServer start(int port, Optional<Metrics> metrics, BooleanSupplier ready)
      throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(port), 16);
    // Two threads: a scrape and a probe can run side by side; probes only read memory.
    ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "roster-admin-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(threads);
    if (metrics.isPresent()) {
      Metrics m = metrics.get();
      http.createContext("/metrics", exchange -> respond(exchange, 200, Metrics.contentType(),
          m::scrape));
    } else {
      http.createContext("/metrics", exchange -> respond(exchange, 404, "text/plain",
          () -> "metrics are off (ROSTER_METRICS_ENABLED=false)\n"));
    }
    http.createContext("/livez", exchange -> respond(exchange, 200, "text/plain", () -> "ok\n"));
    http.createContext("/readyz", exchange -> {
      boolean serving = ready.getAsBoolean();
      respond(exchange, serving ? 200 : 503, "text/plain",
          () -> serving ? "ready\n" : "not ready\n");
    });
    http.createContext("/", exchange -> respond(exchange, 404, "text/plain", () -> "not found\n"));
    http.start();
    return new AdminServer(http, threads);
  }

  private static void respond(HttpExchange exchange, int status, String contentType,
      java.util.function.Supplier<String> body) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      boolean exact = exchange.getRequestURI().getPath()
          .equals(exchange.getHttpContext().getPath()) || status == 404;
      if (!exact) {
        status = 404;
        body = () -> "not found\n";
        contentType = "text/plain";
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes;
      try {
        bytes = body.get().getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        log.warn("admin endpoint {} failed", exchange.getRequestURI().getPath(), e);
        exchange.sendResponseHeaders(500, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", contentType);
      if (method.equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The port listened on (useful when the configured port was 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  /** Stops listening at once; a scrape in progress is cut off. */
  @Override
  public void close() {
    http.stop(0);
    threads.shutdownNow();
  }
}
