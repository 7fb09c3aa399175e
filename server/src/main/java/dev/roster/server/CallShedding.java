package dev.roster.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Admission at the door: chooses each call's executor before the call is started, and refuses
 * calls at once while the call queue is full instead of letting them wait toward their deadline.
 *
 * <p>Install it both as the server's {@code callExecutor} supplier and as its outermost (global)
 * interceptor. Per call, the supplier looks at how many tasks wait for a call thread (an O(1) read
 * of the pool's queue, no lock, nothing that blocks): below {@code callQueue} the call runs on the
 * call threads; at or above it the call is handed to a single "shed" thread, where the interceptor
 * closes it with UNAVAILABLE ({@link ServerOverloadedException}: SERVER_OVERLOADED and a RetryInfo)
 * before authentication, SQL or the handler run. The server's default executor is direct: gRPC
 * runs the method lookup and this choice inline on the transport thread (both are O(1) and never
 * block), then moves the call to the executor chosen. Health checks are never shed: they stay on
 * the transport thread (they only read memory), so probes answer while calls are refused.
 */
public final class CallShedding implements ServerCallExecutorSupplier, ServerInterceptor,
    AutoCloseable {
  private static final String HEALTH = HealthGrpc.SERVICE_NAME;

  private final ThreadPoolExecutor callThreads;
  private final BlockingQueue<Runnable> queue;
  private final int callQueue;
  private final ExecutorService shed = Executors.newSingleThreadExecutor(ShedThread::new);

  /**
   * Sheds calls while {@code callQueue} or more tasks wait for one of {@code callThreads} (whose
   * queue must be unbounded: tasks of calls already admitted are always queued).
   */
  public CallShedding(ThreadPoolExecutor callThreads, int callQueue) {
    this.callThreads = callThreads;
    this.queue = callThreads.getQueue();
    this.callQueue = callQueue;
  }

  @Override
  public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
    if (HEALTH.equals(call.getMethodDescriptor().getServiceName())) {
      return null; // the default executor: never queued behind calls, never shed
    }
    return queue.size() >= callQueue ? shed : callThreads;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!(Thread.currentThread() instanceof ShedThread)) {
      return next.startCall(call, headers);
    }
    StatusRuntimeException refusal = ErrorTranslator.translate(
        new ServerOverloadedException(callQueue), call.getMethodDescriptor().getFullMethodName());
    call.close(refusal.getStatus(), refusal.getTrailers());
    return new ServerCall.Listener<>() {};
  }

  @Override
  public void close() {
    shed.shutdownNow();
  }

  /** The shed executor's thread: a call started on it was refused by {@link #getExecutor}. */
  private static final class ShedThread extends Thread {
    ShedThread(Runnable task) {
      super(task, "roster-shed");
      setDaemon(true);
    }
  }
}
