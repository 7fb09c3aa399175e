package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.UpdateUserRequest;
import dev.roster.proto.accounts.v1.User;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK's retry engine against a scripted gRPC server on loopback that fails chosen attempts:
 * which calls are retried, on which codes, within which deadlines. The server is a stand-in
 * because these are the client's rules; the budget is RetryBudgetRecoveryTest's, the real
 * server's restarts ServerRestartTest's.
 */
class CallEngineTest {
  private static final User ADA = User.newBuilder().setName("organizations/o/users/ada").build();

  private final AtomicInteger attempts = new AtomicInteger();
  /** An attempt that gets no answer, so that its deadline fires. */
  private static final Status HANG = Status.OK;

  private final AtomicReference<IntFunction<Status>> script =
      new AtomicReference<>(attempt -> null);
  private final AtomicReference<com.google.rpc.Status> details = new AtomicReference<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<String> userAgents = new CopyOnWriteArrayList<>();
  private Server server;

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A server whose GetUser and UpdateUser fail attempt n with script(n), or succeed on null. */
  private String start() throws Exception {
    AccountsServiceGrpc.AccountsServiceImplBase service =
        new AccountsServiceGrpc.AccountsServiceImplBase() {
          @Override
          public void getUser(GetUserRequest request, StreamObserver<User> out) {
            answer(out);
          }

          @Override
          public void updateUser(UpdateUserRequest request, StreamObserver<User> out) {
            answer(out);
          }
        };
    ServerInterceptor headers = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata h,
          ServerCallHandler<Q, R> next) {
        authorizations.add(String.valueOf(
            h.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER))));
        userAgents.add(String.valueOf(
            h.get(Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER))));
        return next.startCall(call, h);
      }
    };
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(service, headers)).build().start();
    return "127.0.0.1:" + server.getPort();
  }

  private void answer(StreamObserver<User> out) {
    int n = attempts.incrementAndGet();
    Status failure = script.get().apply(n);
    if (failure == null) {
      out.onNext(ADA);
      out.onCompleted();
    } else if (failure == HANG) {
      return;
    } else if (details.get() != null && details.get().getCode() == failure.getCode().value()) {
      out.onError(StatusProto.toStatusRuntimeException(details.get()));
    } else {
      out.onError(failure.asRuntimeException());
    }
  }

  private RosterClient.Builder client(String target) {
    return RosterClient.newBuilder().target(target).apiKey("k")
        .retrySettings(RetrySettings.newBuilder().setInitialRetryDelay(Duration.ofMillis(10))
            .setMaxRetryDelay(Duration.ofMillis(50)).setTotalTimeout(Duration.ofSeconds(5))
            .build());
  }

  @Test
  void idempotentCall_retriedOnUnavailable_untilItSucceeds() throws Exception {
    String target = start();
    script.set(n -> n <= 3 ? Status.UNAVAILABLE : null);
    try (RosterClient roster = client(target).build()) {
      assertThat(roster.users().get(ADA.getName())).isEqualTo(ADA);
      assertThat(attempts).hasValue(4);
    }
  }

  @Test
  void asyncForm_isRetriedTheSameWay() throws Exception {
    String target = start();
    script.set(n -> n <= 2 ? Status.UNAVAILABLE : null);
    try (RosterClient roster = client(target).build()) {
      assertThat(roster.users().getAsync(GetUserRequest.newBuilder().setName(ADA.getName())
          .build()).get(5, TimeUnit.SECONDS)).isEqualTo(ADA);
      assertThat(attempts).hasValue(3);
    }
  }

  @Test
  void perMethodSettings_applyToThatMethodOnly_andAnUnknownNameIsRefused() throws Exception {
    String target = start();
    script.set(n -> Status.UNAVAILABLE);
    RetrySettings once = RetrySettings.newBuilder().setMaxAttempts(1).build();
    try (RosterClient roster = client(target).retrySettings("GetUser", once).build()) {
      catchThrowableOfType(UnavailableException.class, () -> roster.users().get(ADA.getName()));
      assertThat(attempts).hasValue(1);
    }
    IllegalArgumentException typo = catchThrowableOfType(IllegalArgumentException.class,
        () -> RosterClient.newBuilder().retrySettings("GetUsr", once));
    assertThat(typo).hasMessageContaining("GetUsr");
  }

  @Test
  void update_isNotRetried() throws Exception {
    String target = start();
    script.set(n -> Status.UNAVAILABLE);
    try (RosterClient roster = client(target).build()) {
      catchThrowableOfType(UnavailableException.class, () -> roster.users().update(ADA, null));
      assertThat(attempts).hasValue(1);
    }
  }

  @Test
  void maxAttempts_bounds_theAttempts() throws Exception {
    String target = start();
    script.set(n -> Status.UNAVAILABLE);
    try (RosterClient roster = client(target).build()) {
      Users three = roster.users().withRetrySettings(RetrySettings.newBuilder()
          .setInitialRetryDelay(Duration.ofMillis(5)).setMaxAttempts(3).build());
      UnavailableException e = catchThrowableOfType(UnavailableException.class,
          () -> three.get(ADA.getName()));
      assertThat(e.isRetryable()).isTrue();
      assertThat(attempts).hasValue(3);
    }
  }

  @Test
  void totalTimeout_endsTheRetries_withTheLastError() throws Exception {
    String target = start();
    script.set(n -> Status.UNAVAILABLE);
    try (RosterClient roster = client(target).build()) {
      long start = System.nanoTime();
      // the last error: UNAVAILABLE, or DEADLINE_EXCEEDED when the last attempt met the deadline
      Throwable last = org.assertj.core.api.Assertions.catchThrowable(
          () -> roster.users().withDeadline(Duration.ofMillis(600)).get(ADA.getName()));
      assertThat(last).isInstanceOfAny(UnavailableException.class, DeadlineExceededException.class);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(millis).isBetween(500L, 3_000L);
      assertThat(attempts.get()).isGreaterThan(3);
    }
  }

  @Test
  void attemptTimeout_cutsAHangingAttempt_andTheNextOneIsSent() throws Exception {
    String target = start();
    script.set(n -> n == 1 ? HANG : null);
    try (RosterClient roster = client(target).build()) {
      Users users = roster.users().withRetrySettings(RetrySettings.newBuilder()
          .setInitialRetryDelay(Duration.ofMillis(10)).setAttemptTimeout(Duration.ofMillis(300))
          .setTotalTimeout(Duration.ofSeconds(5)).build());
      assertThat(users.get(ADA.getName())).isEqualTo(ADA);
      assertThat(attempts).hasValue(2);
    }
  }

  @Test
  void perViewDeadline_appliesToACallThatIsNotRetried() throws Exception {
    String target = start();
    script.set(n -> HANG);
    try (RosterClient roster = client(target).build()) {
      long start = System.nanoTime();
      catchThrowableOfType(DeadlineExceededException.class,
          () -> roster.users().withDeadline(Duration.ofMillis(300)).update(ADA, null));
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000L);
      assertThat(attempts).hasValue(1);
    }
  }

  @Test
  void rateLimited_notRetriedByDefault_retriedAfterTheServersDelayWhenAskedFor() throws Exception {
    String target = start();
    details.set(com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.RESOURCE_EXHAUSTED.value()).setMessage("over the rate limit")
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("RATE_LIMITED")
            .setDomain("roster.dev").build()))
        .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(
            com.google.protobuf.Duration.newBuilder().setNanos(300_000_000)).build()))
        .build());
    script.set(n -> n <= 2 ? Status.RESOURCE_EXHAUSTED : null);
    try (RosterClient roster = client(target).build()) {
      RateLimitedException e = catchThrowableOfType(RateLimitedException.class,
          () -> roster.users().get(ADA.getName()));
      assertThat(e.reason()).isEqualTo("RATE_LIMITED");
      assertThat(e.domain()).isEqualTo("roster.dev");
      assertThat(e.retryDelay()).isEqualTo(Duration.ofMillis(300));
      assertThat(e.isRetryable()).isTrue();
      assertThat(e.details()).hasSize(2);
      assertThat(attempts).hasValue(1);

      Users patient = roster.users().withRetrySettings(RetrySettings.newBuilder()
          .setInitialRetryDelay(Duration.ofMillis(10)).setRetryRateLimited(true).build());
      long start = System.nanoTime();
      assertThat(patient.get(ADA.getName())).isEqualTo(ADA);
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(290L);
      assertThat(attempts).hasValue(3);
    }
  }

  @Test
  void tooLargeReason_isItsOwnException_andNotRetried() throws Exception {
    String target = start();
    details.set(com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.RESOURCE_EXHAUSTED.value()).setMessage("too large")
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("MESSAGE_TOO_LARGE").build()))
        .build());
    script.set(n -> Status.RESOURCE_EXHAUSTED);
    try (RosterClient roster = client(target).build()) {
      Users patient = roster.users().withRetrySettings(
          RetrySettings.newBuilder().setRetryRateLimited(true).build());
      RequestTooLargeException e = catchThrowableOfType(RequestTooLargeException.class,
          () -> patient.get(ADA.getName()));
      assertThat(e.isRetryable()).isFalse();
      assertThat(attempts).hasValue(1);
    }
  }

  @Test
  void apiKeyProvider_isAskedPerCall_soARotatedKeyNeedsNoNewClient() throws Exception {
    String target = start();
    AtomicReference<String> key = new AtomicReference<>("key-one");
    try (RosterClient roster = client(target).apiKeyProvider(key::get)
        .userAgent("billing/4.2").build()) {
      roster.users().get(ADA.getName());
      key.set("key-two");
      roster.users().get(ADA.getName());
      assertThat(authorizations).containsExactly("Bearer key-one", "Bearer key-two");
      assertThat(userAgents.get(0)).startsWith("billing/4.2 roster-java/");
      key.set("");
      UnauthenticatedException e = catchThrowableOfType(UnauthenticatedException.class,
          () -> roster.users().get(ADA.getName()));
      assertThat(e.getMessage()).contains("returned no key");
    }
  }

  @Test
  void channel_carriesTheKeyAndADeadline_forGeneratedStubs() throws Exception {
    String target = start();
    script.set(n -> HANG); // only the default deadline ends the call
    try (RosterClient roster = client(target).defaultDeadline(Duration.ofMillis(400)).build()) {
      long start = System.nanoTime();
      var stub = AccountsServiceGrpc.newBlockingStub(roster.channel());
      assertThat(catchThrowableOfType(io.grpc.StatusRuntimeException.class,
          () -> stub.getUser(GetUserRequest.newBuilder().setName(ADA.getName()).build()))
          .getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000L);
      assertThat(authorizations).containsExactly("Bearer k");
    }
  }

  @Test
  void asyncFailure_isTheTypedException() throws Exception {
    String target = start();
    script.set(n -> Status.NOT_FOUND.withDescription("no such user"));
    try (RosterClient roster = client(target).build()) {
      CompletionException e = catchThrowableOfType(CompletionException.class,
          () -> roster.users().getAsync(GetUserRequest.newBuilder().setName("x").build()).join());
      assertThat(e.getCause()).isInstanceOf(NotFoundException.class);
      assertThat(attempts).hasValue(1);
    }
  }
}
