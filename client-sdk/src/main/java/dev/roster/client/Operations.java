package dev.roster.client;

import com.google.longrunning.CancelOperationRequest;
import com.google.longrunning.GetOperationRequest;
import com.google.longrunning.ListOperationsRequest;
import com.google.longrunning.ListOperationsResponse;
import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.longrunning.WaitOperationRequest;
import com.google.protobuf.Message;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The organization's long-running operations ({@code google.longrunning.Operations}): users
 * exports. Every call carries the client's API key, deadline and compression, like the other
 * services. Names are {@code organizations/{uuid}/operations/{uuid}} ({@link OperationName}).
 * Reading needs ACCOUNTS_READ, cancelling ACCOUNTS_WRITE; another tenant's operation is
 * {@link PermissionDeniedException} (TENANT_FORBIDDEN), an unknown or expired one
 * {@link NotFoundException} (OPERATION_NOT_FOUND). Roster offers no DeleteOperation: finished
 * operations expire on their own ({@code expire_time} in the metadata).
 *
 * <pre>{@code
 * for (Operation op : roster.operations().list(org).iterateAll()) {
 *   System.out.println(op.getName() + " done=" + op.getDone());
 * }
 * }</pre>
 */
public final class Operations {
  /** What a WaitOperation call may take beyond its timeout (network, the server's last check). */
  private static final Duration WAIT_MARGIN = Duration.ofSeconds(5);
  /** The longest wait the server grants per WaitOperation call. */
  private static final Duration SERVER_MAX_WAIT = Duration.ofMinutes(1);

  private final Calls calls;
  private final Poller poller;

  Operations(Calls calls, Poller poller) {
    this.calls = calls;
    this.poller = poller;
  }

  /**
   * This view with another deadline for each call (WaitOperation sets its own, see {@link #wait}).
   *
   * @param deadline the deadline of every call made through the returned view
   * @return a view sharing this client's channel and poller
   */
  public Operations withDeadline(Duration deadline) {
    return new Operations(calls.withDeadline(deadline), poller);
  }

  /**
   * This view with other retry settings for its idempotent calls (GetOperation, ListOperations).
   *
   * @param settings the retry settings
   * @return a view sharing this client's channel and poller
   */
  public Operations withRetrySettings(RetrySettings settings) {
    return new Operations(calls.withRetrySettings(settings), poller);
  }

  /**
   * The operation as it is now.
   *
   * @throws NotFoundException reason OPERATION_NOT_FOUND (unknown, or expired)
   * @throws InvalidArgumentException reason INVALID_RESOURCE_NAME, on field {@code name}
   */
  public Operation get(String name) {
    return get(GetOperationRequest.newBuilder().setName(name).build());
  }

  /** GetOperation with the request as given. */
  public Operation get(GetOperationRequest request) {
    return calls.unary(OperationsGrpc.getGetOperationMethod(), request);
  }

  /** GetOperation, asynchronously; fails with the same {@link RosterException} subclasses. */
  public CompletableFuture<Operation> getAsync(GetOperationRequest request) {
    return calls.unaryAsync(OperationsGrpc.getGetOperationMethod(), request);
  }

  /**
   * Lists the organization's operations, oldest first; pages are fetched as you iterate.
   *
   * @param parent the organization, {@code organizations/{uuid}} (the request's {@code name})
   */
  public PagedResponse<Operation> list(String parent) {
    return list(ListOperationsRequest.newBuilder().setName(parent).build());
  }

  /** Lists with the page size from the request ({@code filter} must be empty: Roster has none). */
  public PagedResponse<Operation> list(ListOperationsRequest request) {
    return PagedResponse.list(calls, OperationsGrpc.getListOperationsMethod(), request,
        Operations::withPageToken, Operations::page);
  }

  /** Lists asynchronously: the future completes with the first page; later pages as for list. */
  public CompletableFuture<PagedResponse<Operation>> listAsync(ListOperationsRequest request) {
    return PagedResponse.listAsync(calls, OperationsGrpc.getListOperationsMethod(), request,
        Operations::withPageToken, Operations::page);
  }

  private static ListOperationsRequest withPageToken(ListOperationsRequest request, String token) {
    return request.toBuilder().setPageToken(token).build();
  }

  private static PagedResponse.Page<Operation> page(ListOperationsResponse response) {
    return new PagedResponse.Page<>(response.getOperationsList(), response.getNextPageToken());
  }

  /**
   * Asks the server to cancel the operation; returns at once. A running export stops after its
   * current page, one not yet started when a worker picks it up; the operation then becomes done
   * with the error CANCELLED. Cancelling a done operation changes nothing and succeeds.
   *
   * @throws PermissionDeniedException reason SCOPE_REQUIRED for a key without ACCOUNTS_WRITE
   */
  public void cancel(String name) {
    cancel(CancelOperationRequest.newBuilder().setName(name).build());
  }

  /** CancelOperation with the request as given. */
  public void cancel(CancelOperationRequest request) {
    calls.unary(OperationsGrpc.getCancelOperationMethod(), request);
  }

  /** CancelOperation, asynchronously. */
  public CompletableFuture<Void> cancelAsync(CancelOperationRequest request) {
    return calls.unaryAsync(OperationsGrpc.getCancelOperationMethod(), request)
        .thenApply(empty -> null);
  }

  /**
   * Waits (WaitOperation, server side: no polling here) until the operation is done or
   * {@code timeout} has passed, and returns it as it is then ({@code done} may still be false).
   * Each call gets a deadline of its wait plus a margin, whatever the client's default; the
   * server waits at most a minute per call, so longer timeouts take several calls.
   *
   * <pre>{@code
   * Operation op = roster.operations().wait(name, Duration.ofMinutes(5));
   * }</pre>
   *
   * @throws NotFoundException reason OPERATION_NOT_FOUND
   */
  public Operation wait(String name, Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative");
    }
    long until = System.nanoTime() + timeout.toNanos();
    while (true) {
      Duration left = Duration.ofNanos(Math.max(0, until - System.nanoTime()));
      Duration wait = left.compareTo(SERVER_MAX_WAIT) > 0 ? SERVER_MAX_WAIT : left;
      Operation op = wait(WaitOperationRequest.newBuilder()
          .setName(name)
          .setTimeout(com.google.protobuf.Duration.newBuilder()
              .setSeconds(wait.getSeconds()).setNanos(wait.getNano()))
          .build());
      if (op.getDone() || until - System.nanoTime() <= 0) {
        return op;
      }
    }
  }

  /**
   * One WaitOperation with the request's timeout (the server waits at most a minute; no timeout
   * means a minute). The call's deadline is that timeout plus a margin.
   *
   * @param request the operation's name and the timeout
   * @return the operation as it is when the wait ends; {@code done} may be false
   */
  public Operation wait(WaitOperationRequest request) {
    return waitCalls(request).unary(OperationsGrpc.getWaitOperationMethod(), request);
  }

  /**
   * WaitOperation, asynchronously: no thread waits meanwhile.
   *
   * @param request the operation's name and the timeout
   * @return a future of the operation as it is when the wait ends
   */
  public CompletableFuture<Operation> waitAsync(WaitOperationRequest request) {
    return waitCalls(request).unaryAsync(OperationsGrpc.getWaitOperationMethod(), request);
  }

  private Calls waitCalls(WaitOperationRequest request) {
    Duration wait = SERVER_MAX_WAIT;
    if (request.hasTimeout()) {
      Duration asked = Duration.ofSeconds(request.getTimeout().getSeconds(),
          request.getTimeout().getNanos());
      wait = asked.isNegative() || asked.compareTo(SERVER_MAX_WAIT) > 0 ? SERVER_MAX_WAIT : asked;
    }
    return calls.withDeadline(wait.plus(WAIT_MARGIN));
  }

  /**
   * Follows an operation again from its name (e.g. one started by another process, or after a
   * future gave up), polling with {@link PollingSettings#defaults()}. Reads the operation once
   * first, so a wrong name fails here, not later in {@code get()}.
   *
   * <pre>{@code
   * OperationFuture<ExportUsersResponse, ExportUsersMetadata> export = roster.operations()
   *     .future(name, ExportUsersResponse.class, ExportUsersMetadata.class);
   * }</pre>
   *
   * @param responseType the type of the operation's response ({@code ExportUsersResponse} for an
   *     export)
   * @param metadataType the type of its metadata ({@code ExportUsersMetadata})
   * @throws NotFoundException reason OPERATION_NOT_FOUND
   * @throws InvalidArgumentException reason INVALID_RESOURCE_NAME, on field {@code name}
   */
  public <R extends Message, M extends Message> OperationFuture<R, M> future(String name,
      Class<R> responseType, Class<M> metadataType) {
    return future(name, responseType, metadataType, PollingSettings.defaults());
  }

  /** As {@link #future(String, Class, Class)}, polling as {@code polling} says. */
  public <R extends Message, M extends Message> OperationFuture<R, M> future(String name,
      Class<R> responseType, Class<M> metadataType, PollingSettings polling) {
    return follow(CompletableFuture.completedFuture(get(name)), responseType, metadataType,
        polling);
  }

  /** A future following the operation that {@code started} returns. */
  <R extends Message, M extends Message> OperationFuture<R, M> follow(
      CompletableFuture<Operation> started, Class<R> responseType, Class<M> metadataType,
      PollingSettings polling) {
    return new OperationFuture<>(calls, poller, started, responseType, metadataType, polling);
  }
}
