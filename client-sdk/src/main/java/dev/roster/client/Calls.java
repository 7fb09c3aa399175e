package dev.roster.client;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** What every call shares: deadline, credentials, compression and error translation. */
final class Calls {
  private final Channel channel;
  private final Duration deadline;
  private final CallCredentials credentials;
  private final boolean gzip;

  Calls(Duration deadline, CallCredentials credentials, boolean gzip) {
    this(null, deadline, credentials, gzip);
  }

  private Calls(Channel channel, Duration deadline, CallCredentials credentials, boolean gzip) {
    this.channel = channel;
    this.deadline = deadline;
    this.credentials = credentials;
    this.gzip = gzip;
  }

  /** These settings on {@code channel} (interim, until the [sdk-core] Calls takes the channel). */
  Calls withChannel(Channel channel) {
    return new Calls(channel, deadline, credentials, gzip);
  }

  Channel channel() {
    return channel;
  }

  Duration deadline() {
    return deadline;
  }

  Calls withDeadline(Duration deadline) {
    return new Calls(channel, deadline, credentials, gzip);
  }

  /** A stub for one call: the deadline is absolute, so it is set per call, covering all retries. */
  <S extends AbstractStub<S>> S prepare(S stub) {
    S s = stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    if (credentials != null) {
      s = s.withCallCredentials(credentials);
    }
    return gzip ? s.withCompression("gzip") : s;
  }

  private CallOptions options() {
    CallOptions options = CallOptions.DEFAULT
        .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .withCallCredentials(credentials);
    return gzip ? options.withCompression("gzip") : options;
  }

  /** Unary call (interim: no retries beyond the channel's service config). */
  <Q, R> R unary(MethodDescriptor<Q, R> method, Q request) {
    return sync(() -> ClientCalls.blockingUnaryCall(channel, method, options(), request));
  }

  <Q, R> CompletableFuture<R> unaryAsync(MethodDescriptor<Q, R> method, Q request) {
    try {
      return async(ClientCalls.futureUnaryCall(channel.newCall(method, options()), request));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(Errors.translate(e));
    }
  }

  /** Server-streaming call, not retried; hasNext/next throw RosterException subclasses. */
  <Q, R> Iterator<R> serverStreaming(MethodDescriptor<Q, R> method, Q request) {
    Iterator<R> stream = sync(() -> ClientCalls.blockingServerStreamingCall(
        channel, method, options(), request));
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return sync(stream::hasNext);
      }

      @Override
      public R next() {
        return sync(stream::next);
      }
    };
  }

  <T> T sync(Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw Errors.translate(e);
    }
  }

  <T> CompletableFuture<T> async(ListenableFuture<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Futures.addCallback(call, new FutureCallback<>() {
      @Override
      public void onSuccess(T value) {
        result.complete(value);
      }

      @Override
      public void onFailure(Throwable t) {
        result.completeExceptionally(Errors.translate(t));
      }
    }, MoreExecutors.directExecutor());
    return result;
  }
}
