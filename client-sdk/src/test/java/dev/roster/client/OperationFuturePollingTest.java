package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.longrunning.OperationsGrpc;
import dev.roster.proto.accounts.v1.ExportUsersMetadata;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.Organization;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How an OperationFuture polls, seen on the wire: a server of role api runs no jobs, so its
 * exports stay pending and the future polls until its settings say stop.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class OperationFuturePollingTest {
  private static java.nio.file.Path dataDir;
  private static RosterTestServer server;
  private static Organization org;

  /** One GetOperation as the client saw it: when it ended (nanoTime) and how. */
  record Poll(long endNanos, Status.Code code) {}

  @BeforeAll
  static void start() throws IOException {
    dataDir = Files.createTempDirectory("roster-sdk-polling");
    server = RosterTestServer.start(Map.of("ROSTER_ROLE", "api",
        "ROSTER_DATA_DIR", dataDir.toString(),
        "ROSTER_MAX_ACTIVE_EXPORTS_PER_ORGANIZATION", "100"));
    try (RosterClient admin = RosterClient.newBuilder().target(server.target())
        .apiKey(RosterTestServer.ADMIN_KEY).build()) {
      org = admin.organizations().create(
          Organization.newBuilder().setSlug(RosterClientTest.slug("polling")).build());
    }
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    Files.deleteIfExists(dataDir); // role api writes no export file there
  }

  /** A channel recording every GetOperation; the test closes it. */
  private static ManagedChannel recording(List<Poll> polls) {
    ClientInterceptor recorder = new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
          CallOptions options, Channel next) {
        ClientCall<Q, R> call = next.newCall(method, options);
        if (!method.getFullMethodName().equals(
            OperationsGrpc.getGetOperationMethod().getFullMethodName())) {
          return call;
        }
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                polls.add(new Poll(System.nanoTime(), status.getCode()));
                super.onClose(status, trailers);
              }
            }, headers);
          }
        };
      }
    };
    return NettyChannelBuilder.forTarget(server.target()).usePlaintext().intercept(recorder).build();
  }

  private static RosterClient client(ManagedChannel channel) {
    return RosterClient.newBuilder().channel(channel).apiKey(RosterTestServer.ADMIN_KEY).build();
  }

  private static ExportUsersRequest export() {
    return ExportUsersRequest.newBuilder().setParent(org.getName()).build();
  }

  @Test
  void polls_backOffAsSet_getTimesOut_andPollingStopsAtTheTotalTimeout() throws Exception {
    List<Poll> polls = new CopyOnWriteArrayList<>();
    ManagedChannel channel = recording(polls);
    PollingSettings settings = new PollingSettings(Duration.ofMillis(100), 2.0,
        Duration.ofMillis(400), Duration.ofSeconds(2));
    try (RosterClient client = client(channel)) {
      long start = System.nanoTime();
      OperationFuture<ExportUsersResponse, ExportUsersMetadata> future =
          client.users().export(export(), settings);

      long before = System.nanoTime();
      assertThat(catchThrowableOfType(TimeoutException.class,
          () -> future.get(300, TimeUnit.MILLISECONDS))).isNotNull();
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
      assertThat(waited).isBetween(290L, 1500L);
      assertThat(future.isDone()).isFalse();

      ExecutionException gaveUp = catchThrowableOfType(ExecutionException.class,
          () -> future.get(15, TimeUnit.SECONDS));
      long total = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(gaveUp.getCause()).isInstanceOf(DeadlineExceededException.class)
          .hasMessageContaining(future.getName());
      assertThat(total).isBetween(2000L, 4500L);

      // Between polls, not from the start (the first includes connecting and ExportUsers).
      List<Long> gaps = new ArrayList<>();
      long previous = polls.get(0).endNanos();
      for (Poll poll : polls.subList(1, polls.size())) {
        gaps.add(TimeUnit.NANOSECONDS.toMillis(poll.endNanos() - previous));
        previous = poll.endNanos();
      }
      System.out.printf("polls over %d ms: %d, gaps %s%n", total, polls.size(), gaps);
      // Waits of 100, 200, 400, 400, ... ms, the last cut short at the 2 s mark: about 6 polls,
      // never a busy loop, never a wait beyond maxDelay (plus a poll's own time).
      assertThat(polls).hasSizeBetween(4, 9).allMatch(p -> p.code() == Status.Code.OK);
      assertThat(gaps.get(0)).isBetween(180L, 1000L);
      assertThat(gaps.subList(0, gaps.size() - 1)).allMatch(gap -> gap >= 180 && gap <= 1000);

      int seen = polls.size();
      Thread.sleep(800);
      assertThat(polls).as("no poll after giving up").hasSize(seen);
      assertThat(client.operations().get(future.getName()).getDone())
          .as("the operation goes on on the server").isFalse();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void pollsThatMeetAServerRestart_areTriedAgain_theFutureKeepsGoing() throws Exception {
    List<Poll> polls = new CopyOnWriteArrayList<>();
    ManagedChannel channel = recording(polls);
    PollingSettings settings = new PollingSettings(Duration.ofMillis(100), 1.5,
        Duration.ofMillis(300), Duration.ofMinutes(1));
    try (RosterClient client = client(channel)) {
      OperationFuture<ExportUsersResponse, ExportUsersMetadata> future =
          client.users().export(export(), settings);
      server.stop();
      try {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (polls.stream().filter(p -> p.code() == Status.Code.UNAVAILABLE).count() < 2
            && System.nanoTime() < until) {
          Thread.sleep(50);
        }
        assertThat(polls).anyMatch(p -> p.code() == Status.Code.UNAVAILABLE);
        assertThat(future.isDone()).as("failed polls do not fail the future").isFalse();
      } finally {
        server.start();
      }
      int before = polls.size();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (polls.stream().skip(before).noneMatch(p -> p.code() == Status.Code.OK)
          && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      assertThat(polls.stream().skip(before)).as("polls succeed again after the restart")
          .anyMatch(p -> p.code() == Status.Code.OK);
      assertThat(future.isDone()).isFalse();
      assertThat(future.peekMetadata()).isPresent();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void closingTheClient_failsFuturesStillPolling() throws Exception {
    ManagedChannel channel = recording(new CopyOnWriteArrayList<>());
    try {
      RosterClient client = client(channel);
      OperationFuture<ExportUsersResponse, ExportUsersMetadata> future = client.users().export(export());
      client.close();
      ExecutionException closed = catchThrowableOfType(ExecutionException.class,
          () -> future.get(5, TimeUnit.SECONDS));
      assertThat(closed.getCause()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
