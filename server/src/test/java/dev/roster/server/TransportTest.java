package dev.roster.server;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.config.RosterConfig;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestCertificates;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transport's hard limits and TLS/mTLS, over real loopback connections. */
class TransportTest {
  private static final int MAX_MESSAGE_BYTES = 64 << 10;
  private static final int MAX_METADATA_BYTES = 4 << 10;
  private static final int MAX_CALLS_PER_CONNECTION = 2;

  @TempDir
  static Path dir;

  private static TestCertificates ca;
  private static TestCertificates otherCa;
  private static TestServer limited;
  private static TestServer tls;
  private static TestServer mtls;

  @BeforeAll
  static void start() {
    ca = TestCertificates.authority(dir, "roster-test-ca");
    otherCa = TestCertificates.authority(dir, "other-ca");
    TestCertificates.Pem serverPem = ca.issueServer("roster-server");
    limited = TestServer.start(Map.of(
        "ROSTER_MAX_MESSAGE_BYTES", Integer.toString(MAX_MESSAGE_BYTES),
        "ROSTER_MAX_METADATA_BYTES", Integer.toString(MAX_METADATA_BYTES),
        "ROSTER_MAX_CONCURRENT_CALLS_PER_CONNECTION", Integer.toString(MAX_CALLS_PER_CONNECTION),
        "ROSTER_HANDSHAKE_TIMEOUT", "1s"));
    tls = TestServer.start(Map.of(
        "ROSTER_TLS_CERT_FILE", serverPem.certFile().toString(),
        "ROSTER_TLS_KEY_FILE", serverPem.keyFile().toString(),
        "ROSTER_MAX_METADATA_BYTES", Integer.toString(MAX_METADATA_BYTES)));
    mtls = TestServer.start(Map.of(
        "ROSTER_TLS_CERT_FILE", serverPem.certFile().toString(),
        "ROSTER_TLS_KEY_FILE", serverPem.keyFile().toString(),
        "ROSTER_TLS_CLIENT_CA_FILE", ca.certFile().toString()));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    for (TestServer server : new TestServer[] {limited, tls, mtls}) {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void oversizeMessage_resourceExhausted_handlerNeverRuns() {
    String slug = Fixtures.slug("huge");
    // The padding goes in etag, which CreateOrganization ignores (display_name would be refused by
    // validation anyway): had the handler run, the organization would exist.
    var request = CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(slug).setEtag("x".repeat(2 << 20)))
        .build();

    var failure = failure(() -> limited.accounts().createOrganization(request));

    assertThat(failure.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(failure.message()).contains("exceeds maximum size " + MAX_MESSAGE_BYTES);
    assertThat(organizationsWithSlug(slug)).isZero();
  }

  @Test
  void metadata_underTheLimit_served() {
    assertThat(check(withHeader(limited.channel(), MAX_METADATA_BYTES / 4)))
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void oversizeMetadata_limitAdvertisedToClients_refusedBeforeSending() {
    // The server announces the limit (SETTINGS_MAX_HEADER_LIST_SIZE) and grpc-java clients honour
    // it: the call fails in the client, with the server's number, and nothing is sent. A first call
    // makes sure the connection is up, so the client has read the server's SETTINGS.
    assertThat(check(limited.channel())).isEqualTo(ServingStatus.SERVING);

    var failure = failure(() -> check(withHeader(limited.channel(), MAX_METADATA_BYTES * 2)));

    assertThat(failure.code()).isEqualTo(Status.Code.INTERNAL);
    assertThat(failure.exception().getCause())
        .isInstanceOf(Http2Exception.HeaderListSizeException.class)
        .hasMessageContaining(Integer.toString(MAX_METADATA_BYTES));
    assertThat(check(limited.channel())).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void oversizeMetadata_fromClientIgnoringTheLimit_refusedWith431() throws Exception {
    // The JDK's HTTP/2 client sends the headers regardless, so the server's own check answers.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
        .sslContext(jdkTrusting(ca)).build();

    HttpResponse<Void> small = http.send(rawHealthCheck(tls.port(), 100),
        HttpResponse.BodyHandlers.discarding());
    HttpResponse<Void> large = http.send(rawHealthCheck(tls.port(), MAX_METADATA_BYTES + 100),
        HttpResponse.BodyHandlers.discarding());

    assertThat(small.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(small.statusCode()).isEqualTo(200);
    assertThat(large.statusCode()).isEqualTo(431);
  }

  @Test
  void callsOverTheConnectionLimit_wait_whileOtherConnectionsAreServed() throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", limited.port())
        .usePlaintext().build();
    Context.CancellableContext watches = Context.current().withCancellation();
    CountDownLatch open = new CountDownLatch(MAX_CALLS_PER_CONNECTION);
    try {
      // Watches stay open: they hold every stream this connection may have.
      watches.run(() -> {
        for (int i = 0; i < MAX_CALLS_PER_CONNECTION; i++) {
          HealthGrpc.newStub(channel)
              .watch(HealthCheckRequest.getDefaultInstance(), counting(open));
        }
      });
      assertThat(open.await(10, TimeUnit.SECONDS)).as("watches answered").isTrue();
      var queued = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(500, TimeUnit.MILLISECONDS);

      var failure = failure(() -> queued.check(HealthCheckRequest.getDefaultInstance()));

      assertThat(failure.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(check(limited.channel())).isEqualTo(ServingStatus.SERVING);
    } finally {
      watches.cancel(null);
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void silentConnection_closedAfterHandshakeTimeout() throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", limited.port()), 5_000);
      socket.setSoTimeout(10_000);
      InputStream in = socket.getInputStream();

      // The server's SETTINGS arrive first; then, with no client preface, the end of the stream.
      while (in.read() != -1) {
        // drain
      }
    }
  }

  @Test
  void tls_clientTrustingTheCa_served() throws Exception {
    assertThat(checkOver(tls, trusting(ca))).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void tls_plaintextClient_unavailable() {
    var failure = failure(() -> check(tls.channel()));

    assertThat(failure.code()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void tls_clientNotTrustingTheServer_unavailable() {
    var failure = failure(() -> checkOver(tls, trusting(otherCa)));

    assertThat(failure.code()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void tls_onlyVersions12And13_areAccepted() throws Exception {
    assertThat(handshake(tls.port(), "TLSv1.3")).isEqualTo("TLSv1.3");
    assertThat(handshake(tls.port(), "TLSv1.2")).isEqualTo("TLSv1.2");
    assertThatThrownBy(() -> handshake(tls.port(), "TLSv1.1"))
        .isInstanceOf(SSLException.class)
        .hasMessageContaining("PROTOCOL_VERSION");
  }

  @Test
  void mtls_clientWithCaSignedCertificate_served() throws Exception {
    TestCertificates.Pem client = ca.issueClient("good-client");

    assertThat(checkOver(mtls, presenting(client))).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void mtls_clientWithoutCertificate_unavailable() {
    var failure = failure(() -> checkOver(mtls, trusting(ca)));

    assertThat(failure.code()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void mtls_clientWithCertificateOfAnotherCa_unavailable() {
    TestCertificates.Pem stranger = otherCa.issueClient("stranger");

    var failure = failure(() -> checkOver(mtls, presenting(stranger)));

    assertThat(failure.code()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void config_certWithoutKey_invalidNamingTheMissingVariable() {
    TestCertificates.Pem pem = ca.issueServer("half-configured");

    assertThatThrownBy(() -> RosterConfig.from(Map.of(
        "ROSTER_TLS_CERT_FILE", pem.certFile().toString())))
        .isInstanceOf(RosterConfig.InvalidConfigException.class)
        .hasMessageContaining("ROSTER_TLS_KEY_FILE");
  }

  private static SslContext trusting(TestCertificates authority) throws SSLException {
    return GrpcSslContexts.forClient().trustManager(authority.certFile().toFile()).build();
  }

  /** Trusts {@code ca} and presents {@code client}'s certificate. */
  private static SslContext presenting(TestCertificates.Pem client) throws SSLException {
    return GrpcSslContexts.forClient().trustManager(ca.certFile().toFile())
        .keyManager(client.certFile().toFile(), client.keyFile().toFile())
        .build();
  }

  /** A health check over a fresh TLS channel to {@code server}, closed afterwards. */
  private static ServingStatus checkOver(TestServer server, SslContext context)
      throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .sslContext(context)
        .build();
    try {
      return check(channel);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static ServingStatus check(Channel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  private static Channel withHeader(Channel channel, int bytes) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("x-padding", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(bytes));
    return ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Counts {@code latch} down on the first response; ignores the rest. */
  private static StreamObserver<HealthCheckResponse> counting(CountDownLatch latch) {
    return new StreamObserver<>() {
      private boolean first = true;

      @Override
      public void onNext(HealthCheckResponse value) {
        if (first) {
          first = false;
          latch.countDown();
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  /** A gRPC Health/Check written by hand: an empty message behind the 5-byte gRPC frame header. */
  private static HttpRequest rawHealthCheck(int port, int paddingBytes) {
    URI check = URI.create("https://localhost:" + port + "/grpc.health.v1.Health/Check");
    return HttpRequest.newBuilder(check)
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("x-padding", "x".repeat(paddingBytes))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5]))
        .build();
  }

  private static SSLContext jdkTrusting(TestCertificates authority) throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(authority.certFile())) {
      trusted.setCertificateEntry("ca",
          CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  /**
   * A bare TLS handshake offering only {@code protocol} (no gRPC, whose cipher list needs TLS 1.2
   * anyway); returns the negotiated protocol or throws the handshake's failure.
   */
  private static String handshake(int port, String protocol) throws Exception {
    SslContext context = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
        .protocols(protocol)
        .trustManager(ca.certFile().toFile())
        .build();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      SslHandler ssl = context.newHandler(ByteBufAllocator.DEFAULT, "localhost", port);
      var channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
          .handler(new ChannelInitializer<NioSocketChannel>() {
            @Override
            protected void initChannel(NioSocketChannel channel) {
              // the handshake future reports the failure; keep it out of the log
              channel.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {}
              });
            }
          })
          .connect("127.0.0.1", port).sync().channel();
      try {
        var done = ssl.handshakeFuture();
        assertThat(done.await(10, TimeUnit.SECONDS)).as("handshake finished").isTrue();
        if (done.cause() instanceof Exception e) {
          throw e;
        }
        return ssl.engine().getSession().getProtocol();
      } finally {
        channel.close().sync();
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private static int organizationsWithSlug(String slug) {
    return TestDatabase.database().jdbi().withHandle(handle -> handle
        .createQuery("select count(*) from organizations where slug = :slug")
        .bind("slug", slug)
        .mapTo(Integer.class)
        .one());
  }
}
