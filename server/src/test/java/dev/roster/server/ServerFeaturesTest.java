package dev.roster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.testing.Await;
import dev.roster.testing.Fixtures;
import dev.roster.testing.TestServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health, reflection and compression, over a real loopback connection. */
class ServerFeaturesTest {
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
  void health_servingWhileDatabaseAnswers() {
    var health = HealthGrpc.newBlockingStub(server.channel());
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder()
        .setService(AccountsServiceGrpc.SERVICE_NAME).build()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void health_ofAWorker_reportsTheServerOnly_notAServiceItDoesNotServe() throws Exception {
    try (TestServer worker = TestServer.start(java.util.Map.of("ROSTER_ROLE", "worker"))) {
      var health = HealthGrpc.newBlockingStub(worker.channel()).withDeadlineAfter(5, TimeUnit.SECONDS);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.SERVING);
      StatusRuntimeException notServed = org.assertj.core.api.Assertions.catchThrowableOfType(
          StatusRuntimeException.class, () -> health.check(HealthCheckRequest.newBuilder()
              .setService(AccountsServiceGrpc.SERVICE_NAME).build()));
      assertThat(notServed.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
    }
  }

  @Test
  void reflection_listsServicesAndResolvesErrorDetailTypes() throws Exception {
    List<ServerReflectionResponse> responses = reflect(
        ServerReflectionRequest.newBuilder().setListServices("").build(),
        ServerReflectionRequest.newBuilder().setFileContainingSymbol("google.rpc.ErrorInfo").build());

    assertThat(responses.get(0).getListServicesResponse().getServiceList())
        .extracting(s -> s.getName())
        .contains("roster.accounts.v1.AccountsService", "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");
    assertThat(responses.get(1).hasFileDescriptorResponse()).isTrue();
  }

  @Test
  void compression_gzipResponseWhenAccepted_andGzipRequestAccepted() {
    AtomicReference<String> responseEncoding = new AtomicReference<>();
    Channel recording = io.grpc.ClientInterceptors.intercept(server.channel(), new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
          Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata h) {
                responseEncoding.set(h.get(Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER)));
                super.onHeaders(h);
              }
            }, headers);
          }
        };
      }
    });
    Organization org = AccountsServiceGrpc.newBlockingStub(recording)
        .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
        .withCompression("gzip")
        .createOrganization(CreateOrganizationRequest.newBuilder()
            .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("gz"))).build());

    assertThat(org.getName()).startsWith("organizations/");
    assertThat(responseEncoding.get()).isEqualTo("gzip");
  }

  @Test
  void shutdown_healthTurnsNotServing_inFlightCallsKeepRunning_newCallsRefused() throws Exception {
    TestServer stopping = TestServer.start(java.util.Map.of("ROSTER_SHUTDOWN_GRACE", "2s"));
    BlockingQueue<ServingStatus> seen = new LinkedBlockingQueue<>();
    HealthGrpc.newStub(stopping.channel()).watch(HealthCheckRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse value) {
            seen.add(value.getStatus());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);

    Thread closer = new Thread(stopping.server()::close);
    closer.start();
    // The watch is an in-flight call: it still receives the change during the grace period.
    assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);

    // Health turns NOT_SERVING first (so balancers stop routing), then the server stops taking
    // calls: a new connection may still be answered NOT_SERVING in between, never SERVING.
    ManagedChannel fresh = ManagedChannelBuilder.forAddress("127.0.0.1", stopping.port()).usePlaintext().build();
    java.util.concurrent.atomic.AtomicReference<io.grpc.Status.Code> refusedWith =
        new java.util.concurrent.atomic.AtomicReference<>();
    Await.until("a new call to be refused", () -> {
      try {
        ServingStatus status = HealthGrpc.newBlockingStub(fresh).withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus();
        assertThat(status).isEqualTo(ServingStatus.NOT_SERVING);
        return false;
      } catch (StatusRuntimeException e) {
        refusedWith.set(e.getStatus().getCode());
        return true;
      }
    });
    assertThat(refusedWith.get()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
    fresh.shutdownNow();
    closer.join(15_000);
    assertThat(closer.isAlive()).isFalse();
    stopping.channel().shutdownNow();
  }

  private static List<ServerReflectionResponse> reflect(ServerReflectionRequest... requests)
      throws InterruptedException {
    BlockingQueue<ServerReflectionResponse> responses = new LinkedBlockingQueue<>();
    var stream = ServerReflectionGrpc.newStub(server.channel()).serverReflectionInfo(
        new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    List<ServerReflectionResponse> out = new java.util.ArrayList<>();
    for (var request : requests) {
      stream.onNext(request);
      out.add(responses.poll(10, TimeUnit.SECONDS));
    }
    stream.onCompleted();
    return out;
  }
}
