package dev.roster.client;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallCredentials;
import io.grpc.stub.AbstractStub;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** What every call shares: deadline, credentials, compression and error translation. */
final class Calls {
  private final Duration deadline;
  private final CallCredentials credentials;
  private final boolean gzip;

  Calls(Duration deadline, CallCredentials credentials, boolean gzip) {
    this.deadline = deadline;
    this.credentials = credentials;
    this.gzip = gzip;
  }

  /** A stub for one call: the deadline is absolute, so it is set per call, covering all retries. */
  <S extends AbstractStub<S>> S prepare(S stub) {
    S s = stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    if (credentials != null) {
      s = s.withCallCredentials(credentials);
    }
    return gzip ? s.withCompression("gzip") : s;
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
