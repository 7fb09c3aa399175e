package dev.roster.rpc;

import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import dev.roster.accounts.ExportOperation;
import dev.roster.platform.db.CallScope;
import dev.roster.server.ErrorTranslator;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WaitOperation call after its first read: re-reads the operation on the wait scheduler every
 * {@value #POLL_MILLIS} ms and answers once it is done or the timeout has passed. A cancelled call
 * (or one past its deadline) is not answered and not read again. Exactly one of those outcomes
 * wins ({@link #finish}), so the call is answered at most once and {@code onFinish} runs once.
 */
final class OperationWait implements Runnable, Context.CancellationListener {
  private static final Logger log = LoggerFactory.getLogger(OperationWait.class);
  static final long POLL_MILLIS = 200;
  private static final String METHOD = OperationsGrpc.getWaitOperationMethod().getFullMethodName();

  private final Supplier<ExportOperation> read;
  private final StreamObserver<Operation> out;
  private final Context context;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanoTime;
  private final long until;
  private final Runnable onFinish;
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile ScheduledFuture<?> next;
  private volatile ExportOperation last;

  OperationWait(Supplier<ExportOperation> read, StreamObserver<Operation> out, Context context,
      ScheduledExecutorService scheduler, LongSupplier nanoTime, long until, Runnable onFinish) {
    this.read = read;
    this.out = out;
    this.context = context;
    this.scheduler = scheduler;
    this.nanoTime = nanoTime;
    this.until = until;
    this.onFinish = onFinish;
  }

  /** Starts waiting after the call thread's read found {@code first} not yet done. */
  void start(ExportOperation first) {
    last = first;
    // Not Runnable::run: cancellation fires on a transport thread, which must not do our work.
    context.addListener(this, scheduler);
    scheduleNext();
  }

  @Override
  public void run() {
    if (finished.get()) {
      return;
    }
    ExportOperation op;
    try {
      op = readInCallScope();
    } catch (RuntimeException e) {
      // The ErrorInterceptor only sees what the call thread throws; this is another thread.
      if (finish()) {
        send(() -> out.onError(ErrorTranslator.translate(e, METHOD)));
      }
      return;
    }
    last = op;
    if (op.done() || nanoTime.getAsLong() - until >= 0) {
      answer(op);
    } else {
      scheduleNext();
    }
  }

  /** The call was cancelled or its deadline passed: nobody is listening any more. */
  @Override
  public void cancelled(Context context) {
    if (finish()) {
      ScheduledFuture<?> pending = next;
      if (pending != null) {
        pending.cancel(false);
      }
    }
  }

  private void scheduleNext() {
    long left = until - nanoTime.getAsLong();
    long delay = Math.max(0, Math.min(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS), left));
    try {
      next = scheduler.schedule(this, delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopping) {
      // The server is stopping: answer with what we know, as a timeout would.
      answer(last);
      return;
    }
    if (finished.get()) {
      next.cancel(false); // cancelled while scheduling
    }
  }

  /** Statements of a re-check get the call's remaining time, as the call thread's would. */
  private ExportOperation readInCallScope() {
    Deadline deadline = context.getDeadline();
    if (deadline == null) {
      return read.get();
    }
    try (CallScope scope = CallScope.open(deadline.timeRemaining(TimeUnit.NANOSECONDS))) {
      return read.get();
    }
  }

  private void answer(ExportOperation op) {
    if (finish()) {
      send(() -> {
        out.onNext(OperationsMapper.toProto(op));
        out.onCompleted();
      });
    }
  }

  private static void send(Runnable response) {
    try {
      response.run();
    } catch (RuntimeException e) {
      // Cancelled between our check and the answer; the caller has gone.
      log.debug("WaitOperation answer not sent: {}", e.toString());
    }
  }

  private boolean finish() {
    if (!finished.compareAndSet(false, true)) {
      return false;
    }
    context.removeListener(this);
    onFinish.run();
    return true;
  }
}
