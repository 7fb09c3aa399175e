package dev.roster.rpc;

import dev.roster.server.Callers;
import dev.roster.server.ConcurrencyCounter;
import com.google.longrunning.CancelOperationRequest;
import com.google.longrunning.GetOperationRequest;
import com.google.longrunning.ListOperationsRequest;
import com.google.longrunning.ListOperationsResponse;
import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.longrunning.WaitOperationRequest;
import com.google.protobuf.Empty;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import dev.roster.access.Scope;
import dev.roster.accounts.Accounts;
import dev.roster.accounts.ExportOperation;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.paging.PageTokens;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * google.longrunning.Operations (AIP-151) for the organization's operations (users exports). Names
 * are {@code organizations/{uuid}/operations/{uuid}}, so the tenant is checked before anything is
 * read; reading and waiting need ACCOUNTS_READ on the organization, cancelling ACCOUNTS_WRITE.
 * DeleteOperation is not offered.
 */
public final class OperationsHandler extends OperationsGrpc.OperationsImplBase {
  private static final Duration MAX_WAIT = Duration.ofMinutes(1);

  private final Accounts accounts;
  private final Lists lists;
  private final ScheduledExecutorService waits;
  private final LongSupplier nanoTime;
  private final int maxWaitsPerKey;
  private final ConcurrencyCounter waiting = new ConcurrencyCounter();

  /**
   * A handler whose WaitOperation re-checks on {@code waits} (which the caller owns and shuts
   * down) and measures its timeout on {@code nanoTime} ({@code System::nanoTime} in production).
   * Each API key may have {@code maxWaitsPerKey} WaitOperation calls waiting at once.
   */
  public OperationsHandler(Accounts accounts, PageTokens pageTokens,
      ScheduledExecutorService waits, LongSupplier nanoTime, int maxWaitsPerKey) {
    this.accounts = accounts;
    this.lists = new Lists(pageTokens);
    this.waits = waits;
    this.nanoTime = nanoTime;
    this.maxWaitsPerKey = maxWaitsPerKey;
  }

  /** As above, with no practical cap on waits per key. */
  public OperationsHandler(Accounts accounts, PageTokens pageTokens,
      ScheduledExecutorService waits, LongSupplier nanoTime) {
    this(accounts, pageTokens, waits, nanoTime, Integer.MAX_VALUE);
  }

  @Override
  public void getOperation(GetOperationRequest request, StreamObserver<Operation> out) {
    var name = ResourceNames.parseOperation("name", request.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_READ);
    reply(out, OperationsMapper.toProto(accounts.getOperation(name.organizationId(), name.operationId())));
  }

  /** {@code name} is the collection's parent, {@code organizations/{uuid}}, as AIP-151 has it. */
  @Override
  public void listOperations(ListOperationsRequest request, StreamObserver<ListOperationsResponse> out) {
    UUID organizationId = ResourceNames.parseOrganization("name", request.getName());
    Callers.require(organizationId, Scope.ACCOUNTS_READ);
    if (!request.getFilter().isEmpty()) {
      throw InvalidArgumentException.of("filter", "UNSUPPORTED_FILTER",
          "operations cannot be filtered; leave it empty");
    }
    var binding = new Lists.Binding("ListOperations", request.getName(), "", "", false);
    var query = lists.query(binding, request.getPageSize(), request.getPageToken(),
        FieldMask.getDefaultInstance(), Operation.getDescriptor());
    var page = accounts.listOperations(organizationId, query);
    reply(out, ListOperationsResponse.newBuilder()
        .addAllOperations(page.items().stream().map(OperationsMapper::toProto).toList())
        .setNextPageToken(lists.nextToken(binding, page))
        .build());
  }

  @Override
  public void cancelOperation(CancelOperationRequest request, StreamObserver<Empty> out) {
    var name = ResourceNames.parseOperation("name", request.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_WRITE);
    accounts.cancelOperation(name.organizationId(), name.operationId());
    reply(out, Empty.getDefaultInstance());
  }

  /**
   * Waits until the operation is done, the timeout (at most a minute; zero: check once) or the
   * call's deadline. The call thread only checks permission and reads once; later reads run on the
   * wait scheduler, so waiting callers hold no call thread. A key may have {@code maxWaitsPerKey}
   * waits at once; its place is given back exactly once, however the wait ends.
   *
   * @throws WaitLimitExceededException when the key already has that many waiting
   */
  @Override
  public void waitOperation(WaitOperationRequest request, StreamObserver<Operation> out) {
    var name = ResourceNames.parseOperation("name", request.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_READ);
    Duration timeout = MAX_WAIT;
    if (request.hasTimeout()) {
      var t = request.getTimeout();
      if (!Durations.isValid(t) || t.getSeconds() < 0 || t.getNanos() < 0) {
        throw InvalidArgumentException.of("timeout", "INVALID_VALUE",
            "must be a non-negative duration; at most a minute is waited");
      }
      Duration asked = Duration.ofSeconds(t.getSeconds(), t.getNanos());
      timeout = asked.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : asked;
    }
    UUID key = Callers.principal().keyId();
    if (!waiting.tryAcquire(key, maxWaitsPerKey)) {
      throw new WaitLimitExceededException(maxWaitsPerKey);
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        waiting.release(key);
      }
    };
    boolean handedOver = false;
    try {
      long until = nanoTime.getAsLong() + timeout.toNanos();
      ExportOperation op = accounts.getOperation(name.organizationId(), name.operationId());
      if (op.done() || nanoTime.getAsLong() - until >= 0) {
        reply(out, OperationsMapper.toProto(op));
        return;
      }
      new OperationWait(() -> accounts.getOperation(name.organizationId(), name.operationId()),
          out, Context.current(), waits, nanoTime, until, release).start(op);
      handedOver = true;
    } finally {
      if (!handedOver) {
        release.run();
      }
    }
  }

  private static <T> void reply(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }
}
