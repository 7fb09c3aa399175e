package dev.roster.client;

import com.google.longrunning.CancelOperationRequest;
import com.google.longrunning.GetOperationRequest;
import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.Status;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A long-running operation on the server ({@code google.longrunning.Operation}) seen as a
 * {@link Future} of its response, as gax's {@code OperationFuture}: the client polls
 * GetOperation in the background per {@link PollingSettings} (never busy-waiting) until the
 * operation is done, then the future completes with the unpacked response, or fails.
 *
 * <pre>{@code
 * OperationFuture<ExportUsersResponse, ExportUsersMetadata> export = roster.users().export(org);
 * ExportUsersResponse done = export.get(5, TimeUnit.MINUTES);
 * long users = done.getUserCount();
 * }</pre>
 *
 * <ul>
 *   <li>An operation done with an {@code error} fails {@link #get()} with an
 *       {@link ExecutionException} whose cause is the typed {@link RosterException} of that
 *       status (e.g. {@code RosterException} with code INTERNAL).
 *   <li>An operation done with the error CANCELLED makes the future cancelled:
 *       {@link #isCancelled()} is true and {@link #get()} throws {@link CancellationException}.
 *   <li>Polls that meet UNAVAILABLE, DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED are tried again at
 *       the next interval (a server restart does not fail the future); any other error of a poll
 *       (e.g. NOT_FOUND once the operation expired) fails the future with it.
 *   <li>After {@link PollingSettings#totalTimeout()} without the operation being done, the future
 *       fails with a {@link DeadlineExceededException}; the operation goes on on the server and
 *       {@link Operations#future} follows it again.
 * </ul>
 *
 * @param <R> the response message type, e.g. {@code ExportUsersResponse}
 * @param <M> the metadata message type, e.g. {@code ExportUsersMetadata}
 */
public final class OperationFuture<R extends Message, M extends Message> implements Future<R> {
  private final Calls calls;
  private final Poller poller;
  private final CompletableFuture<Operation> initial;
  private final Class<R> responseType;
  private final Class<M> metadataType;
  private final PollingSettings polling;
  private final CompletableFuture<R> result = new CompletableFuture<>();
  private final long startNanos = System.nanoTime();
  private volatile Operation latest;

  OperationFuture(Calls calls, Poller poller, CompletableFuture<Operation> initial,
      Class<R> responseType, Class<M> metadataType, PollingSettings polling) {
    this.calls = calls;
    this.poller = poller;
    this.initial = initial;
    this.responseType = Objects.requireNonNull(responseType, "responseType");
    this.metadataType = Objects.requireNonNull(metadataType, "metadataType");
    this.polling = Objects.requireNonNull(polling, "polling");
    poller.started(this);
    result.whenComplete((r, e) -> poller.finished(this));
    initial.whenComplete((operation, failure) -> {
      if (failure != null) {
        result.completeExceptionally(unwrap(failure));
      } else if (!accept(operation)) {
        schedule(polling.initialDelay());
      }
    });
  }

  /**
   * The operation's name, {@code organizations/{uuid}/operations/{uuid}} ({@link OperationName}
   * parses it). Waits for the call that starts the operation if it is still in flight.
   *
   * @throws RosterException if starting the operation failed
   */
  public String getName() {
    return started().getName();
  }

  /** The operation as the call that started it (or re-attached to it) returned it. */
  public CompletableFuture<Operation> getInitialFuture() {
    return initial.copy();
  }

  /** The metadata of the latest snapshot seen (no call); empty before the operation started. */
  public Optional<M> peekMetadata() {
    Operation op = latest;
    return op == null || !op.hasMetadata() ? Optional.empty() : Optional.of(unpack(op, false));
  }

  /**
   * Polls once and returns the operation's metadata as it is now, e.g. the export's progress.
   *
   * @throws RosterException if the poll fails
   */
  public M getMetadata() {
    return unpack(poll(), false);
  }

  /**
   * One GetOperation now, whatever the polling schedule: returns the operation as it is, and
   * completes this future if it is done.
   *
   * @throws RosterException if the call fails
   */
  public Operation poll() {
    Operation op = calls.unary(OperationsGrpc.getGetOperationMethod(), get(getName()));
    accept(op);
    return op;
  }

  /** The latest snapshot seen, without a call (the started operation until the first poll). */
  public Optional<Operation> peekOperation() {
    return Optional.ofNullable(latest);
  }

  /** The same outcome as a {@link CompletableFuture}, to compose (completing it changes nothing here). */
  public CompletableFuture<R> toCompletableFuture() {
    return result.copy();
  }

  /**
   * Waits until the operation is done and returns its response.
   *
   * @throws ExecutionException the operation failed (cause: its {@link RosterException}), could
   *     not be started or followed, or polling gave up ({@link DeadlineExceededException})
   * @throws CancellationException the operation was cancelled
   */
  @Override
  public R get() throws InterruptedException, ExecutionException {
    return result.get();
  }

  /**
   * As {@link #get()}, waiting at most {@code timeout}; polling goes on after a timeout.
   *
   * @throws TimeoutException the operation was not done in time
   */
  @Override
  public R get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    return result.get(timeout, unit);
  }

  @Override
  public boolean isDone() {
    return result.isDone();
  }

  /** True once cancelled: by {@link #cancel}, or because the server reported it CANCELLED. */
  @Override
  public boolean isCancelled() {
    return result.isCancelled();
  }

  /**
   * Asks the server to cancel the operation (CancelOperation; needs ACCOUNTS_WRITE), then reads it
   * once. If the operation already finished, the future completes with that outcome and this
   * returns false, as {@link Future#cancel} does for a completed task. Otherwise this future is
   * cancelled and polling stops; the server stops the export at its next page and the operation
   * becomes done with the error CANCELLED ({@link Operations#wait} or {@link Operations#future}
   * show it).
   *
   * @param mayInterruptIfRunning ignored: nothing runs in this process
   * @return whether this future is now cancelled
   * @throws RosterException if the server refused the cancellation (e.g.
   *     {@link PermissionDeniedException} for a key without ACCOUNTS_WRITE)
   */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    if (result.isDone()) {
      return result.isCancelled();
    }
    String name = getName();
    calls.unary(OperationsGrpc.getCancelOperationMethod(),
        CancelOperationRequest.newBuilder().setName(name).build());
    accept(calls.unary(OperationsGrpc.getGetOperationMethod(), get(name)));
    result.completeExceptionally(new CancellationException(
        "cancellation of " + name + " requested; the server stops it at its next step"));
    return result.isCancelled();
  }

  /** Called when the client is closed: nobody would poll any more. */
  void clientClosed() {
    result.completeExceptionally(new IllegalStateException(
        "the RosterClient was closed; follow the operation again with operations().future(name, ...)"));
  }

  /** Records a snapshot; completes the future if the operation is done. Returns whether done. */
  private boolean accept(Operation op) {
    latest = op;
    if (!op.getDone()) {
      return false;
    }
    if (op.hasError()) {
      if (op.getError().getCode() == Status.Code.CANCELLED.value()) {
        CancellationException cancelled = new CancellationException(
            op.getName() + " was cancelled: " + op.getError().getMessage());
        cancelled.initCause(Errors.translate(op.getError()));
        result.completeExceptionally(cancelled);
      } else {
        result.completeExceptionally(Errors.translate(op.getError()));
      }
    } else {
      try {
        result.complete(unpack(op, true));
      } catch (IllegalStateException e) {
        result.completeExceptionally(e);
      }
    }
    return true;
  }

  private void schedule(Duration delay) {
    Duration left = polling.totalTimeout().minusNanos(System.nanoTime() - startNanos);
    Duration wait = delay.compareTo(left) > 0 ? (left.isNegative() ? Duration.ZERO : left) : delay;
    if (!poller.schedule(() -> pollInBackground(delay), wait)) {
      clientClosed();
    }
  }

  /** One scheduled poll; {@code waited} is the delay that preceded it, grown for the next. */
  private void pollInBackground(Duration waited) {
    if (result.isDone()) {
      return;
    }
    calls.unaryAsync(OperationsGrpc.getGetOperationMethod(), get(latest.getName()))
        .whenComplete((op, failure) -> {
          if (result.isDone()) {
            return;
          }
          Duration next = polling.next(waited);
          if (failure != null) {
            Throwable cause = unwrap(failure);
            if (!transientFailure(cause)) {
              result.completeExceptionally(cause);
              return;
            }
            if (cause instanceof RateLimitedException limited
                && limited.retryDelay().compareTo(next) > 0) {
              next = limited.retryDelay();
            }
          } else if (accept(op)) {
            return;
          }
          if (System.nanoTime() - startNanos >= polling.totalTimeout().toNanos()) {
            result.completeExceptionally(new DeadlineExceededException("DEADLINE_EXCEEDED: "
                + latest.getName() + " was not done after polling for " + polling.totalTimeout()
                + "; it goes on on the server", ErrorDetails.NONE, failure));
            return;
          }
          schedule(next);
        });
  }

  private static boolean transientFailure(Throwable failure) {
    return failure instanceof UnavailableException
        || failure instanceof DeadlineExceededException
        || failure instanceof RateLimitedException;
  }

  private Operation started() {
    try {
      return initial.join();
    } catch (CompletionException | CancellationException e) {
      Throwable cause = unwrap(e);
      throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }
  }

  @SuppressWarnings("unchecked")
  private <T extends Message> T unpack(Operation op, boolean response) {
    Class<T> type = (Class<T>) (response ? responseType : metadataType);
    try {
      return (response ? op.getResponse() : op.getMetadata()).unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(op.getName() + ": the operation's "
          + (response ? "response" : "metadata") + " is not a " + type.getSimpleName(), e);
    }
  }

  private static GetOperationRequest get(String name) {
    return GetOperationRequest.newBuilder().setName(name).build();
  }

  private static Throwable unwrap(Throwable failure) {
    return Errors.unwrap(failure);
  }
}
