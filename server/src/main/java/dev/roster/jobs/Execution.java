package dev.roster.jobs;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One attempt of one job on this node. Its outcome is decided once: by the handler returning or
 * throwing, by the timeout, by a cancellation, or by a shutdown that gives the job back, whichever
 * comes first ({@link #settle}). The losers do nothing, so a handler that finishes after its
 * timeout cannot turn a recorded failure into a success.
 */
final class Execution implements Runnable {
  private static final int MAX_ERROR_CHARS = 4000;

  private final Workers workers;
  private final Job job;
  private final JobHandler handler;
  private final AtomicBoolean settled = new AtomicBoolean();
  private Thread thread;
  private boolean inHandler;
  private volatile ScheduledFuture<?> timeout;
  private volatile JobMetrics.Outcome outcome;
  private volatile boolean ran;

  Execution(Workers workers, Job job, JobHandler handler) {
    this.workers = workers;
    this.job = job;
    this.handler = handler;
  }

  Job job() {
    return job;
  }

  /** How the attempt ended, once {@link #settle settled}; null before. */
  JobMetrics.Outcome outcome() {
    return outcome;
  }

  /** Whether the handler was started (an attempt settled while queued never ran). */
  boolean started() {
    return ran;
  }

  void timeoutTask(ScheduledFuture<?> timeout) {
    this.timeout = timeout;
  }

  @Override
  public void run() {
    long started = System.nanoTime();
    if (settled.get()) {
      // Timed out or cancelled before a thread picked it up.
      workers.finished(this, false, 0);
      return;
    }
    // The attempt's span is current while the handler runs and its outcome is written, so the
    // statements of both are its children.
    Span span = JobSpans.process(workers.tracer(), job);
    boolean ok;
    try (Scope ignored = span.makeCurrent()) {
      ok = attempt(span);
    } finally {
      span.end();
    }
    workers.finished(this, ok, System.nanoTime() - started);
  }

  private boolean attempt(Span span) {
    synchronized (this) {
      thread = Thread.currentThread();
      inHandler = true;
    }
    ran = true;
    Throwable failure = null;
    try {
      if (handler == null) {
        throw new IllegalStateException("no handler for kind " + job.kind() + " on this node");
      }
      handler.perform(job);
    } catch (Throwable t) {
      failure = t;
    } finally {
      synchronized (this) {
        inHandler = false;
      }
      // An interrupt meant for this handler must not reach the outcome write or the next job.
      Thread.interrupted();
    }
    ScheduledFuture<?> t = timeout;
    if (t != null) {
      t.cancel(false);
    }
    boolean ok = failure == null;
    if (!ok) {
      span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
    }
    if (ok ? settle(JobMetrics.Outcome.COMPLETED) : settle(failedOutcome())) {
      if (ok) {
        workers.complete(job);
      } else {
        workers.fail(job, describe(failure));
      }
    }
    return ok;
  }

  /** Called by the timer when the attempt has run too long: fail it now, then interrupt. */
  void timedOut(Duration after) {
    if (settle(failedOutcome())) {
      workers.fail(job, "timed out after " + after);
      interrupt();
    }
  }

  /** The job was cancelled in the database: stop the handler; there is nothing to record. */
  void cancelled() {
    if (settle(JobMetrics.Outcome.CANCELLED)) {
      interrupt();
    }
  }

  /** Shutdown: give the job back to the queue and stop the handler. */
  void release() {
    if (settle(JobMetrics.Outcome.RELEASED)) {
      workers.release(job);
      interrupt();
    }
  }

  private boolean settle(JobMetrics.Outcome how) {
    if (settled.compareAndSet(false, true)) {
      outcome = how;
      return true;
    }
    return false;
  }

  /** A failed attempt runs again unless it was the job's last (as {@link JobStore#fail} decides). */
  private JobMetrics.Outcome failedOutcome() {
    return job.attempt() >= job.maxAttempts()
        ? JobMetrics.Outcome.DISCARDED : JobMetrics.Outcome.RETRYABLE;
  }

  private synchronized void interrupt() {
    if (inHandler) {
      thread.interrupt();
    }
  }

  private static String describe(Throwable failure) {
    StringWriter text = new StringWriter();
    failure.printStackTrace(new PrintWriter(text));
    String s = text.toString();
    return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS) + "...";
  }
}
