package dev.roster.client;

import com.google.protobuf.FieldMask;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.BatchGetUsersRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.DeleteUserRequest;
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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

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
}
