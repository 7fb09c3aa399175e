package dev.roster.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.BatchGetUsersRequest;
import dev.roster.proto.accounts.v1.BatchGetUsersResponse;
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
import dev.roster.proto.accounts.v1.ReadExportRequest;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.UndeleteUserRequest;
import dev.roster.proto.accounts.v1.UpdateUserRequest;
import dev.roster.proto.accounts.v1.User;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Users of organizations. Every call has a short form for the common case, a request form for
 * everything else, and an {@code Async} form taking the request and returning a
 * {@link CompletableFuture} (which fails with the same {@link RosterException} subclasses). Names
 * are strings such as {@code organizations/{uuid}/users/{uuid}}; {@link UserName} builds and
 * parses them.
 *
 * <p>Retried on UNAVAILABLE (see {@link RetrySettings}): get, list, batchGet, lookup, and create
 * (which carries a request_id). Not retried: update, delete, undelete, suspend, reactivate.
 *
 * <pre>{@code
 * Users patient = roster.users().withDeadline(Duration.ofMinutes(2));
 * }</pre>
 */
public final class Users {
  private final Calls calls;
  private final Poller poller;

  Users(Calls calls, Poller poller) {
    this.calls = calls;
    this.poller = poller;
  }

  /**
   * This view with another deadline for each call, retries included.
   *
   * @param deadline the deadline of every call made through the returned view
   * @return a view sharing this client's channel
   */
  public Users withDeadline(Duration deadline) {
    return new Users(calls.withDeadline(deadline), poller);
  }

  /**
   * This view with other retry settings for its idempotent calls.
   *
   * @param settings the retry settings
   * @return a view sharing this client's channel
   */
  public Users withRetrySettings(RetrySettings settings) {
    return new Users(calls.withRetrySettings(settings), poller);
  }

  /**
   * Creates a user. A request_id is generated, so the call is retried safely on UNAVAILABLE.
   *
   * @param parent the organization, {@code organizations/{uuid}}
   * @param user the user (handle, email, display name)
   * @return the created user
   * @throws AlreadyExistsException reason HANDLE_TAKEN or EMAIL_TAKEN
   * @throws InvalidArgumentException naming the bad fields, e.g. {@code user.email}
   */
  public User create(String parent, User user) {
    return create(CreateUserRequest.newBuilder().setParent(parent).setUser(user).build());
  }

  /**
   * Creates a user; a request_id is added when the request has none.
   *
   * @param request the request
   * @return the created user
   */
  public User create(CreateUserRequest request) {
    return calls.unary(AccountsServiceGrpc.getCreateUserMethod(), withRequestId(request));
  }

  /**
   * As {@link #create(CreateUserRequest)}, without blocking.
   *
   * @param request the request
   * @return the created user
   */
  public CompletableFuture<User> createAsync(CreateUserRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getCreateUserMethod(), withRequestId(request));
  }

  /**
   * Gets a user, deleted or not.
   *
   * @param name {@code organizations/{uuid}/users/{uuid}}
   * @return the user
   * @throws NotFoundException reason USER_NOT_FOUND
   */
  public User get(String name) {
    return get(GetUserRequest.newBuilder().setName(name).build());
  }

  /**
   * Gets a user, with a read mask if the request has one.
   *
   * @param request the request
   * @return the user
   */
  public User get(GetUserRequest request) {
    return calls.unary(AccountsServiceGrpc.getGetUserMethod(), request);
  }

  /**
   * As {@link #get(GetUserRequest)}, without blocking.
   *
   * @param request the request
   * @return the user
   */
  public CompletableFuture<User> getAsync(GetUserRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getGetUserMethod(), request);
  }

  /**
   * Lists an organization's live users in creation order; pages are fetched as you iterate.
   *
   * @param parent the organization
   * @return the first page, and the rest on demand
   */
  public PagedResponse<User> list(String parent) {
    return list(ListUsersRequest.newBuilder().setParent(parent).build());
  }

  /**
   * Lists users with a filter, order, page size, read mask or show_deleted from the request.
   *
   * @param request the request
   * @return the first page, and the rest on demand
   */
  public PagedResponse<User> list(ListUsersRequest request) {
    return PagedResponse.list(calls, AccountsServiceGrpc.getListUsersMethod(), request,
        Users::withPageToken, Users::page);
  }

  /**
   * As {@link #list(ListUsersRequest)}, the first page fetched without blocking.
   *
   * @param request the request
   * @return the first page; {@link PagedResponse#nextPageAsync()} fetches the next
   */
  public CompletableFuture<PagedResponse<User>> listAsync(ListUsersRequest request) {
    return PagedResponse.listAsync(calls, AccountsServiceGrpc.getListUsersMethod(), request,
        Users::withPageToken, Users::page);
  }

  private static ListUsersRequest withPageToken(ListUsersRequest request, String token) {
    return request.toBuilder().setPageToken(token).build();
  }

  private static PagedResponse.Page<User> page(ListUsersResponse response) {
    return new PagedResponse.Page<>(response.getUsersList(), response.getNextPageToken());
  }

  /**
   * Gets up to 1000 users of one organization, in the order asked.
   *
   * @param parent the organization
   * @param names the users' names
   * @return the users, in the order of {@code names}
   * @throws NotFoundException naming the first missing user
   */
  public List<User> batchGet(String parent, List<String> names) {
    return batchGet(BatchGetUsersRequest.newBuilder().setParent(parent).addAllNames(names).build());
  }

  /**
   * Gets users by name, with a read mask if the request has one.
   *
   * @param request the request
   * @return the users, in the order asked
   */
  public List<User> batchGet(BatchGetUsersRequest request) {
    return calls.unary(AccountsServiceGrpc.getBatchGetUsersMethod(), request).getUsersList();
  }

  /**
   * As {@link #batchGet(BatchGetUsersRequest)}, without blocking.
   *
   * @param request the request
   * @return the users, in the order asked
   */
  public CompletableFuture<List<User>> batchGetAsync(BatchGetUsersRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getBatchGetUsersMethod(), request)
        .thenApply(BatchGetUsersResponse::getUsersList);
  }

  /**
   * Finds the organization's live user with this handle.
   *
   * @param parent the organization
   * @param handle the handle, e.g. {@code ada}
   * @return the user
   * @throws NotFoundException if there is none
   */
  public User lookupByHandle(String parent, String handle) {
    return lookup(LookupUserRequest.newBuilder().setParent(parent).setHandle(handle).build());
  }

  /**
   * Finds the organization's live user with this email, ignoring case.
   *
   * @param parent the organization
   * @param email the email
   * @return the user
   * @throws NotFoundException if there is none
   */
  public User lookupByEmail(String parent, String email) {
    return lookup(LookupUserRequest.newBuilder().setParent(parent).setEmail(email).build());
  }

  /**
   * Finds a live user by handle or email.
   *
   * @param request the request
   * @return the user
   */
  public User lookup(LookupUserRequest request) {
    return calls.unary(AccountsServiceGrpc.getLookupUserMethod(), request);
  }

  /**
   * As {@link #lookup(LookupUserRequest)}, without blocking.
   *
   * @param request the request
   * @return the user
   */
  public CompletableFuture<User> lookupAsync(LookupUserRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getLookupUserMethod(), request);
  }

  /**
   * Updates the fields named in {@code updateMask} (or, if it is null, the fields set in
   * {@code user}). Send the user's etag to update only if nobody changed it meanwhile. Not
   * retried.
   *
   * @param user the user, with its name and the new values
   * @param updateMask the fields to change, or null
   * @return the updated user
   * @throws EtagMismatchException if the etag is stale
   */
  public User update(User user, FieldMask updateMask) {
    UpdateUserRequest.Builder request = UpdateUserRequest.newBuilder().setUser(user);
    if (updateMask != null) {
      request.setUpdateMask(updateMask);
    }
    return update(request.build());
  }

  /**
   * Updates a user.
   *
   * @param request the request
   * @return the updated user
   */
  public User update(UpdateUserRequest request) {
    return calls.unary(AccountsServiceGrpc.getUpdateUserMethod(), request);
  }

  /**
   * As {@link #update(UpdateUserRequest)}, without blocking.
   *
   * @param request the request
   * @return the updated user
   */
  public CompletableFuture<User> updateAsync(UpdateUserRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getUpdateUserMethod(), request);
  }

  /**
   * Soft-deletes a user; it can be undeleted. Not retried.
   *
   * @param name the user
   * @return the deleted user
   */
  public User delete(String name) {
    return delete(DeleteUserRequest.newBuilder().setName(name).build());
  }

  /**
   * Soft-deletes a user, only if its etag matches when the request has one.
   *
   * @param request the request
   * @return the deleted user
   */
  public User delete(DeleteUserRequest request) {
    return calls.unary(AccountsServiceGrpc.getDeleteUserMethod(), request);
  }

  /**
   * As {@link #delete(DeleteUserRequest)}, without blocking.
   *
   * @param request the request
   * @return the deleted user
   */
  public CompletableFuture<User> deleteAsync(DeleteUserRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getDeleteUserMethod(), request);
  }

  /**
   * Restores a soft-deleted user. Not retried.
   *
   * @param name the user
   * @return the restored user
   */
  public User undelete(String name) {
    return undelete(UndeleteUserRequest.newBuilder().setName(name).build());
  }

  /**
   * Restores a soft-deleted user.
   *
   * @param request the request
   * @return the restored user
   */
  public User undelete(UndeleteUserRequest request) {
    return calls.unary(AccountsServiceGrpc.getUndeleteUserMethod(), request);
  }

  /**
   * As {@link #undelete(UndeleteUserRequest)}, without blocking.
   *
   * @param request the request
   * @return the restored user
   */
  public CompletableFuture<User> undeleteAsync(UndeleteUserRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getUndeleteUserMethod(), request);
  }

  /**
   * Suspends a user: its sign-ins are refused until reactivated. Not retried.
   *
   * @param name the user
   * @return the suspended user
   */
  public User suspend(String name) {
    return suspend(SuspendUserRequest.newBuilder().setName(name).build());
  }

  /**
   * Suspends a user.
   *
   * @param request the request
   * @return the suspended user
   */
  public User suspend(SuspendUserRequest request) {
    return calls.unary(AccountsServiceGrpc.getSuspendUserMethod(), request);
  }

  /**
   * As {@link #suspend(SuspendUserRequest)}, without blocking.
   *
   * @param request the request
   * @return the suspended user
   */
  public CompletableFuture<User> suspendAsync(SuspendUserRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getSuspendUserMethod(), request);
  }

  /**
   * Reactivates a suspended user. Not retried.
   *
   * @param name the user
   * @return the reactivated user
   */
  public User reactivate(String name) {
    return reactivate(ReactivateUserRequest.newBuilder().setName(name).build());
  }

  /**
   * Reactivates a suspended user.
   *
   * @param request the request
   * @return the reactivated user
   */
  public User reactivate(ReactivateUserRequest request) {
    return calls.unary(AccountsServiceGrpc.getReactivateUserMethod(), request);
  }

  /**
   * As {@link #reactivate(ReactivateUserRequest)}, without blocking.
   *
   * @param request the request
   * @return the reactivated user
   */
  public CompletableFuture<User> reactivateAsync(ReactivateUserRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getReactivateUserMethod(), request);
  }

  private static CreateUserRequest withRequestId(CreateUserRequest request) {
    return request.getRequestId().isEmpty()
        ? request.toBuilder().setRequestId(UUID.randomUUID().toString()).build()
        : request;
  }

  // ---- Users exports (long-running operations): the logic is in Exports and OperationFuture;
  // these only delegate. Views made by withDeadline/withRetrySettings share the client's Poller.

  /** Exports through this view's calls (its deadline and retry settings). */
  private Exports exports() {
    return new Exports(calls, poller);
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
    return readExport(ReadExportRequest.newBuilder().setName(operationName).build());
  }

  /**
   * ReadExport with the request as given; see {@link #readExport(String)}. A server-streaming
   * call has no async form: consume the stream on a thread of your own.
   *
   * @param request the export's operation name
   * @return the file's chunks, in order
   */
  public Stream<ByteString> readExport(ReadExportRequest request) {
    return exports().chunkStream(request);
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
