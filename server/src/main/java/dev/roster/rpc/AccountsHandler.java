package dev.roster.rpc;

import dev.roster.server.Callers;
import static dev.roster.rpc.RequestFields.etag;
import static dev.roster.rpc.RequestFields.requestId;
import static dev.roster.rpc.RequestFields.under;

import dev.roster.access.Scope;
import dev.roster.accounts.Accounts;
import dev.roster.platform.paging.PageTokens;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.BatchGetUsersRequest;
import dev.roster.proto.accounts.v1.BatchGetUsersResponse;
import dev.roster.proto.accounts.v1.ListOrganizationsRequest;
import dev.roster.proto.accounts.v1.ListOrganizationsResponse;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.ListUsersResponse;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.DeleteOrganizationRequest;
import dev.roster.proto.accounts.v1.DeleteUserRequest;
import com.google.longrunning.Operation;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.LookupUserRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.ReactivateUserRequest;
import dev.roster.proto.accounts.v1.SuspendUserRequest;
import dev.roster.proto.accounts.v1.UndeleteOrganizationRequest;
import dev.roster.proto.accounts.v1.UndeleteUserRequest;
import dev.roster.proto.accounts.v1.UpdateOrganizationRequest;
import dev.roster.proto.accounts.v1.UpdateUserRequest;
import dev.roster.proto.accounts.v1.User;
import dev.roster.platform.errors.FieldViolation;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.proto.accounts.v1.ReadExportRequest;
import dev.roster.proto.accounts.v1.ReadExportResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * roster.accounts.v1.AccountsService. Each method parses the names it is given, checks the caller's
 * permission on them before anything is read (AIP-211), whitelists the request into context
 * arguments, makes one call to {@link Accounts}, and maps the result; errors propagate to
 * {@link ErrorInterceptor}.
 */
public final class AccountsHandler extends AccountsServiceGrpc.AccountsServiceImplBase {
  private static final int MAX_BATCH = 1000;

  private final Accounts accounts;
  private final Lists lists;

  public AccountsHandler(Accounts accounts, PageTokens pageTokens) {
    this.accounts = accounts;
    this.lists = new Lists(pageTokens);
  }

  @Override
  public void createOrganization(CreateOrganizationRequest request, StreamObserver<Organization> out) {
    Callers.requireAdmin();
    var requestId = requestId(request.getRequestId());
    var org = AccountsMapper.newOrganization(request.getOrganization());
    reply(out, AccountsMapper.toProto(
        under("organization", () -> accounts.createOrganization(org, requestId))));
  }

  @Override
  public void getOrganization(GetOrganizationRequest request, StreamObserver<Organization> out) {
    UUID id = ResourceNames.parseOrganization("name", request.getName());
    Callers.require(id, Scope.ACCOUNTS_READ);
    var fields = ReadMasks.fields(request.getReadMask(), Organization.getDescriptor());
    reply(out, AccountsMapper.toProto(accounts.getOrganization(id, fields)));
  }

  @Override
  public void listOrganizations(
      ListOrganizationsRequest request, StreamObserver<ListOrganizationsResponse> out) {
    Callers.requireAdmin();
    var binding = new Lists.Binding("ListOrganizations", "", request.getFilter(),
        request.getOrderBy(), request.getShowDeleted());
    var query = lists.query(binding, request.getPageSize(), request.getPageToken(),
        request.getReadMask(), Organization.getDescriptor());
    var page = accounts.listOrganizations(query);
    reply(out, ListOrganizationsResponse.newBuilder()
        .addAllOrganizations(page.items().stream().map(AccountsMapper::toProto).toList())
        .setNextPageToken(lists.nextToken(binding, page))
        .build());
  }

  @Override
  public void updateOrganization(UpdateOrganizationRequest request, StreamObserver<Organization> out) {
    var org = request.getOrganization();
    UUID id = ResourceNames.parseOrganization("organization.name", org.getName());
    Callers.require(id, Scope.ACCOUNTS_WRITE);
    var changes = AccountsMapper.organizationChanges(org,
        request.hasUpdateMask() ? request.getUpdateMask() : null);
    var etag = etag("organization.etag", org.getEtag());
    reply(out, AccountsMapper.toProto(
        under("organization", () -> accounts.updateOrganization(id, changes, etag))));
  }

  @Override
  public void deleteOrganization(DeleteOrganizationRequest request, StreamObserver<Organization> out) {
    Callers.requireAdmin();
    UUID id = ResourceNames.parseOrganization("name", request.getName());
    var etag = etag("etag", request.getEtag());
    reply(out, AccountsMapper.toProto(accounts.deleteOrganization(id, etag, request.getForce())));
  }

  @Override
  public void undeleteOrganization(
      UndeleteOrganizationRequest request, StreamObserver<Organization> out) {
    Callers.requireAdmin();
    UUID id = ResourceNames.parseOrganization("name", request.getName());
    var etag = etag("etag", request.getEtag());
    reply(out, AccountsMapper.toProto(accounts.undeleteOrganization(id, etag)));
  }

  @Override
  public void createUser(CreateUserRequest request, StreamObserver<User> out) {
    UUID organizationId = ResourceNames.parseOrganization("parent", request.getParent());
    Callers.require(organizationId, Scope.ACCOUNTS_WRITE);
    var requestId = requestId(request.getRequestId());
    var user = AccountsMapper.newUser(request.getUser());
    reply(out, AccountsMapper.toProto(
        under("user", () -> accounts.createUser(organizationId, user, requestId))));
  }

  @Override
  public void getUser(GetUserRequest request, StreamObserver<User> out) {
    var name = ResourceNames.parseUser("name", request.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_READ);
    var fields = ReadMasks.fields(request.getReadMask(), User.getDescriptor());
    reply(out, AccountsMapper.toProto(
        accounts.getUser(name.organizationId(), name.userId(), fields)));
  }

  @Override
  public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> out) {
    UUID organizationId = ResourceNames.parseOrganization("parent", request.getParent());
    Callers.require(organizationId, Scope.ACCOUNTS_READ);
    var binding = new Lists.Binding("ListUsers", request.getParent(), request.getFilter(),
        request.getOrderBy(), request.getShowDeleted());
    var query = lists.query(binding, request.getPageSize(), request.getPageToken(),
        request.getReadMask(), User.getDescriptor());
    var page = accounts.listUsers(organizationId, query);
    reply(out, ListUsersResponse.newBuilder()
        .addAllUsers(page.items().stream().map(AccountsMapper::toProto).toList())
        .setNextPageToken(lists.nextToken(binding, page))
        .build());
  }

  @Override
  public void batchGetUsers(BatchGetUsersRequest request, StreamObserver<BatchGetUsersResponse> out) {
    UUID organizationId = ResourceNames.parseOrganization("parent", request.getParent());
    Callers.require(organizationId, Scope.ACCOUNTS_READ);
    if (request.getNamesCount() == 0 || request.getNamesCount() > MAX_BATCH) {
      throw InvalidArgumentException.of("names", request.getNamesCount() == 0
          ? "FIELD_REQUIRED" : "TOO_MANY_NAMES", "must hold 1 to " + MAX_BATCH + " user names, got "
          + request.getNamesCount());
    }
    List<UUID> ids = new ArrayList<>(request.getNamesCount());
    for (int i = 0; i < request.getNamesCount(); i++) {
      var name = ResourceNames.parseUser("names[" + i + "]", request.getNames(i));
      if (!name.organizationId().equals(organizationId)) {
        throw InvalidArgumentException.of("names[" + i + "]", "PARENT_MISMATCH",
            "must be a user of " + request.getParent());
      }
      ids.add(name.userId());
    }
    var fields = ReadMasks.fields(request.getReadMask(), User.getDescriptor());
    reply(out, BatchGetUsersResponse.newBuilder()
        .addAllUsers(accounts.batchGetUsers(organizationId, ids, fields).stream()
            .map(AccountsMapper::toProto).toList())
        .build());
  }

  @Override
  public void updateUser(UpdateUserRequest request, StreamObserver<User> out) {
    var user = request.getUser();
    var name = ResourceNames.parseUser("user.name", user.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_WRITE);
    var changes = AccountsMapper.userChanges(user,
        request.hasUpdateMask() ? request.getUpdateMask() : null);
    var etag = etag("user.etag", user.getEtag());
    reply(out, AccountsMapper.toProto(under("user",
        () -> accounts.updateUser(name.organizationId(), name.userId(), changes, etag))));
  }

  @Override
  public void deleteUser(DeleteUserRequest request, StreamObserver<User> out) {
    var name = ResourceNames.parseUser("name", request.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_WRITE);
    var etag = etag("etag", request.getEtag());
    reply(out, AccountsMapper.toProto(
        accounts.deleteUser(name.organizationId(), name.userId(), etag)));
  }

  @Override
  public void undeleteUser(UndeleteUserRequest request, StreamObserver<User> out) {
    var name = ResourceNames.parseUser("name", request.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_WRITE);
    var etag = etag("etag", request.getEtag());
    reply(out, AccountsMapper.toProto(
        accounts.undeleteUser(name.organizationId(), name.userId(), etag)));
  }

  @Override
  public void suspendUser(SuspendUserRequest request, StreamObserver<User> out) {
    var name = ResourceNames.parseUser("name", request.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_WRITE);
    var etag = etag("etag", request.getEtag());
    reply(out, AccountsMapper.toProto(
        accounts.suspendUser(name.organizationId(), name.userId(), etag)));
  }

  @Override
  public void reactivateUser(ReactivateUserRequest request, StreamObserver<User> out) {
    var name = ResourceNames.parseUser("name", request.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_WRITE);
    var etag = etag("etag", request.getEtag());
    reply(out, AccountsMapper.toProto(
        accounts.reactivateUser(name.organizationId(), name.userId(), etag)));
  }

  @Override
  public void lookupUser(LookupUserRequest request, StreamObserver<User> out) {
    UUID organizationId = ResourceNames.parseOrganization("parent", request.getParent());
    Callers.require(organizationId, Scope.ACCOUNTS_READ);
    var fields = ReadMasks.fields(request.getReadMask(), User.getDescriptor());
    var user = switch (request.getKeyCase()) {
      case HANDLE -> accounts.lookupUserByHandle(organizationId, request.getHandle(), fields);
      case EMAIL -> accounts.lookupUserByEmail(organizationId, request.getEmail(), fields);
      case KEY_NOT_SET -> throw new InvalidArgumentException(List.of(
          new FieldViolation("handle", "FIELD_REQUIRED", "one of handle or email is required"),
          new FieldViolation("email", "FIELD_REQUIRED", "one of handle or email is required")));
    };
    reply(out, AccountsMapper.toProto(user));
  }

  @Override
  public void exportUsers(ExportUsersRequest request, StreamObserver<Operation> out) {
    UUID organizationId = ResourceNames.parseOrganization("parent", request.getParent());
    Callers.require(organizationId, Scope.ACCOUNTS_READ);
    reply(out, OperationsMapper.toProto(accounts.exportUsers(organizationId, request.getFilter())));
  }

  /**
   * Streams a finished export's file. The permission check and the open happen here, on the call
   * thread; the chunks follow as the client is ready for them (see {@link ExportChunks}).
   */
  @Override
  public void readExport(ReadExportRequest request, StreamObserver<ReadExportResponse> out) {
    var name = ResourceNames.parseOperation("name", request.getName());
    Callers.require(name.organizationId(), Scope.ACCOUNTS_READ);
    ExportChunks.stream(accounts.readExport(name.organizationId(), name.operationId()),
        (ServerCallStreamObserver<ReadExportResponse>) out);
  }

  private static <T> void reply(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }
}
