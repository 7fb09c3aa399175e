package dev.roster.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Without the {@code OTEL_*} variables nothing is recorded, yet the caller's trace context still
 * arrives: on the thread that runs the handler, the current span is the caller's (non-recording),
 * so logs can carry its trace id.
 */
class TracingOffTest {
  // A unary method of its own (health checks are not traced at all), reusing health's messages.
  private static final MethodDescriptor<HealthCheckRequest, HealthCheckRequest> ECHO =
      MethodDescriptor.<HealthCheckRequest, HealthCheckRequest>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Echo/Echo")
          .setRequestMarshaller(ProtoUtils.marshaller(HealthCheckRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(HealthCheckRequest.getDefaultInstance()))
          .build();

  private static ServerServiceDefinition echo() {
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(request);
          response.onCompleted();
        }))
        .build();
  }

  @Test
  void off_carriesTheCallersTraceToTheHandlerThread_recordingNothing() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String spanId = "00f067aa0ba902b7";
    AtomicReference<Span> seen = new AtomicReference<>();
    AtomicReference<String> thread = new AtomicReference<>();
    // Captures the current span where the handler runs (the listener's onHalfClose).
    ServerInterceptor capture = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
          @Override
          public void onHalfClose() {
            seen.set(Span.current());
            thread.set(Thread.currentThread().getName());
            super.onHalfClose();
          }
        };
      }
    };
    ExecutorService callThreads = Executors.newSingleThreadExecutor(r -> new Thread(r, "call-thread"));
    String name = InProcessServerBuilder.generateName();
    try (Tracing tracing = Tracing.off()) {
      Server server = InProcessServerBuilder.forName(name).executor(callThreads)
          .addService(ServerInterceptors.intercept(echo(), capture))
          .intercept(tracing.serverInterceptor())
          .build().start();
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      try {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
            "00-" + traceId + "-" + spanId + "-01");
        ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(headers)), ECHO, CallOptions.DEFAULT,
            HealthCheckRequest.getDefaultInstance());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        callThreads.shutdownNow();
      }
    }
    assertThat(thread.get()).isEqualTo("call-thread");
    SpanContext context = seen.get().getSpanContext();
    assertThat(context.getTraceId()).isEqualTo(traceId);
    assertThat(context.getSpanId()).isEqualTo(spanId);
    assertThat(seen.get().isRecording()).isFalse();
  }
}
