package dev.roster.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.BatchGetUsersRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.DeleteUserRequest;
import dev.roster.proto.accounts.v1.ExportUsersMetadata;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.ListUsersResponse;
import dev.roster.proto.accounts.v1.LookupUserRequest;
import dev.roster.proto.accounts.v1.ReactivateUserRequest;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.UndeleteUserRequest;
import dev.roster.proto.accounts.v1.UpdateUserRequest;
import dev.roster.proto.accounts.v1.User;
import io.grpc.Channel;
import java.io.OutputStream;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Users of organizations. Each call has a short form for the common case and a request form for
 * everything else, and an {@code Async} variant returning a {@link CompletableFuture} (which fails
 * with the same {@link RosterException} subclasses). Names are strings such as
 * {@code organizations/{uuid}/users/{uuid}}; {@link UserName} builds and parses them.
 */
public final class Users {
  private final AccountsServiceGrpc.AccountsServiceBlockingStub blocking;
  private final AccountsServiceGrpc.AccountsServiceFutureStub future;
  private final Calls calls;

  Users(Channel channel, Calls calls) {
    this.blocking = AccountsServiceGrpc.newBlockingStub(channel);
    this.future = AccountsServiceGrpc.newFutureStub(channel);
    this.calls = calls;
  }

  /**
   * Creates a user. A request_id is generated, so the call is retried safely on UNAVAILABLE.
   *
   * @throws AlreadyExistsException reason HANDLE_TAKEN or EMAIL_TAKEN
   * @throws InvalidArgumentException naming the bad fields, e.g. {@code user.email}
   */
  public User create(String parent, User user) {
    return create(CreateUserRequest.newBuilder().setParent(parent).setUser(user).build());
  }

  /** Creates a user; a request_id is added when the request has none. */
  public User create(CreateUserRequest request) {
    CreateUserRequest withId = withRequestId(request);
    return calls.sync(() -> calls.prepare(blocking).createUser(withId));
  }

  public CompletableFuture<User> createAsync(CreateUserRequest request) {
    return calls.async(calls.prepare(future).createUser(withRequestId(request)));
  }

  /**
   * Gets a user, deleted or not.
   *
   * @throws NotFoundException reason USER_NOT_FOUND
   */
  public User get(String name) {
    return get(GetUserRequest.newBuilder().setName(name).build());
  }

  public User get(GetUserRequest request) {
    return calls.sync(() -> calls.prepare(blocking).getUser(request));
  }

  public CompletableFuture<User> getAsync(GetUserRequest request) {
    return calls.async(calls.prepare(future).getUser(request));
  }

  /** Lists an organization's live users in creation order; pages are fetched as you iterate. */
  public PagedResponse<User> list(String parent) {
    return list(ListUsersRequest.newBuilder().setParent(parent).build());
  }

  /** Lists users with a filter, order, page size, read mask or show_deleted from the request. */
  public PagedResponse<User> list(ListUsersRequest request) {
    return new PagedResponse<>(page(request),
        token -> page(request.toBuilder().setPageToken(token).build()));
  }

  private PagedResponse.Page<User> page(ListUsersRequest request) {
    ListUsersResponse response = calls.sync(() -> calls.prepare(blocking).listUsers(request));
    return new PagedResponse.Page<>(response.getUsersList(), response.getNextPageToken());
  }

  /**
   * Gets up to 1000 users of one organization, in the order asked.
   *
   * @throws NotFoundException naming the first missing user
   */
  public List<User> batchGet(String parent, List<String> names) {
    return batchGet(BatchGetUsersRequest.newBuilder().setParent(parent).addAllNames(names).build());
  }

  public List<User> batchGet(BatchGetUsersRequest request) {
    return calls.sync(() -> calls.prepare(blocking).batchGetUsers(request)).getUsersList();
  }

  public CompletableFuture<List<User>> batchGetAsync(BatchGetUsersRequest request) {
    return calls.async(calls.prepare(future).batchGetUsers(request))
        .thenApply(response -> response.getUsersList());
  }

  /** Finds the organization's live user with this handle ({@link NotFoundException} if none). */
  public User lookupByHandle(String parent, String handle) {
    return lookup(LookupUserRequest.newBuilder().setParent(parent).setHandle(handle).build());
  }

  /** Finds the organization's live user with this email, ignoring case. */
  public User lookupByEmail(String parent, String email) {
    return lookup(LookupUserRequest.newBuilder().setParent(parent).setEmail(email).build());
  }

  public User lookup(LookupUserRequest request) {
    return calls.sync(() -> calls.prepare(blocking).lookupUser(request));
  }

  public CompletableFuture<User> lookupAsync(LookupUserRequest request) {
    return calls.async(calls.prepare(future).lookupUser(request));
  }

  /**
   * Updates the fields named in {@code updateMask} (or, if it is null, the fields set in
   * {@code user}). Send the user's etag to update only if nobody changed it meanwhile.
   *
   * @throws EtagMismatchException if the etag is stale
   */
  public User update(User user, FieldMask updateMask) {
    UpdateUserRequest.Builder request = UpdateUserRequest.newBuilder().setUser(user);
    if (updateMask != null) {
      request.setUpdateMask(updateMask);
    }
    return update(request.build());
  }

  public User update(UpdateUserRequest request) {
    return calls.sync(() -> calls.prepare(blocking).updateUser(request));
  }

  public CompletableFuture<User> updateAsync(UpdateUserRequest request) {
    return calls.async(calls.prepare(future).updateUser(request));
  }

  /** Soft-deletes a user; it can be undeleted. */
  public User delete(String name) {
    return delete(DeleteUserRequest.newBuilder().setName(name).build());
  }

  public User delete(DeleteUserRequest request) {
    return calls.sync(() -> calls.prepare(blocking).deleteUser(request));
  }

  public CompletableFuture<User> deleteAsync(DeleteUserRequest request) {
    return calls.async(calls.prepare(future).deleteUser(request));
  }

  public User undelete(String name) {
    return undelete(UndeleteUserRequest.newBuilder().setName(name).build());
  }

  public User undelete(UndeleteUserRequest request) {
    return calls.sync(() -> calls.prepare(blocking).undeleteUser(request));
  }

  public CompletableFuture<User> undeleteAsync(UndeleteUserRequest request) {
    return calls.async(calls.prepare(future).undeleteUser(request));
  }

  public User suspend(String name) {
    return suspend(SuspendUserRequest.newBuilder().setName(name).build());
  }

  public User suspend(SuspendUserRequest request) {
    return calls.sync(() -> calls.prepare(blocking).suspendUser(request));
  }

  public CompletableFuture<User> suspendAsync(SuspendUserRequest request) {
    return calls.async(calls.prepare(future).suspendUser(request));
  }

  public User reactivate(String name) {
    return reactivate(ReactivateUserRequest.newBuilder().setName(name).build());
  }

  public User reactivate(ReactivateUserRequest request) {
    return calls.sync(() -> calls.prepare(blocking).reactivateUser(request));
  }

  public CompletableFuture<User> reactivateAsync(ReactivateUserRequest request) {
    return calls.async(calls.prepare(future).reactivateUser(request));
  }

  private static CreateUserRequest withRequestId(CreateUserRequest request) {
    return request.getRequestId().isEmpty()
        ? request.toBuilder().setRequestId(UUID.randomUUID().toString()).build()
        : request;
  }

  // ---- Users exports (long-running operations). Kept together at the end: the logic is in
  // Exports and OperationFuture; these only delegate. RosterClient wires them in attachExports.

  private volatile Exports exports;

  void attachExports(Exports exports) {
    this.exports = exports;
  }

  private Exports exports() {
    Exports e = exports;
    if (e == null) {
      throw new IllegalStateException("exports are not wired to this Users view");
    }
    return e;
  }

  /**
   * Starts exporting the organization's live users to a gzip-compressed NDJSON file, and returns
   * the operation as an {@link OperationFuture}, polled in the background. Not retried (a retry
   * would start a second export).
   *
   * <pre>{@code
   * OperationFuture<ExportUsersResponse, ExportUsersMetadata> export = roster.users().export(org);
   * ExportUsersResponse done = export.get(5, TimeUnit.MINUTES);
   * try (Stream<String> lines = roster.users().readExportLines(done.getUri())) {
   *   lines.forEach(System.out::println);
   * }
   * }</pre>
   *
   * @param parent the organization, {@code organizations/{uuid}}
   * @throws RateLimitedException reason EXPORT_LIMIT_REACHED: too many exports pending or running
   * @throws NotFoundException reason ORGANIZATION_NOT_FOUND
   */
  public OperationFuture<ExportUsersResponse, ExportUsersMetadata> export(String parent) {
    return export(ExportUsersRequest.newBuilder().setParent(parent).build());
  }

  /** Starts an export with the request's filter (AIP-160, as in ListUsers); see {@link #export(String)}. */
  public OperationFuture<ExportUsersResponse, ExportUsersMetadata> export(
      ExportUsersRequest request) {
    return exports().export(request, PollingSettings.defaults());
  }

  /** As {@link #export(ExportUsersRequest)}, polling as {@code polling} says. */
  public OperationFuture<ExportUsersResponse, ExportUsersMetadata> export(
      ExportUsersRequest request, PollingSettings polling) {
    return exports().export(request, polling);
  }

  /**
   * Starts an export without waiting for the ExportUsers call, as gax's {@code exportUsersAsync}:
   * the future fails (ExecutionException) if the export could not be started.
   */
  public OperationFuture<ExportUsersResponse, ExportUsersMetadata> exportAsync(
      ExportUsersRequest request) {
    return exports().exportAsync(request, PollingSettings.defaults());
  }

  /**
   * The finished export's file, gzip-compressed NDJSON, as its chunks (ReadExport, at most 64 KiB
   * each, in order). Close the stream if you stop early: that ends the call. The client's
   * deadline covers the whole stream. Not retried.
   *
   * @param operationName the export's operation, also the {@code uri} of its response
   * @throws FailedPreconditionException reason EXPORT_NOT_DONE or EXPORT_FAILED
   * @throws NotFoundException reason OPERATION_NOT_FOUND
   */
  public Stream<ByteString> readExport(String operationName) {
    return exports().chunkStream(operationName);
  }

  /**
   * Writes the finished export's file (gzip-compressed NDJSON) to {@code out}, which stays open;
   * returns the bytes written (the response's {@code byte_count}).
   */
  public long readExportTo(String operationName, OutputStream out) {
    return exports().copyTo(operationName, out);
  }

  /**
   * The finished export's users as JSON lines, decompressed as they arrive (never the whole file
   * in memory). Close the stream (try-with-resources) to end the call early.
   */
  public Stream<String> readExportLines(String operationName) {
    return exports().lines(operationName);
  }
}
