package dev.roster.client;

import com.google.protobuf.FieldMask;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.DeleteOrganizationRequest;
import dev.roster.proto.accounts.v1.GetOrganizationRequest;
import dev.roster.proto.accounts.v1.ListOrganizationsRequest;
import dev.roster.proto.accounts.v1.ListOrganizationsResponse;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.UndeleteOrganizationRequest;
import dev.roster.proto.accounts.v1.UpdateOrganizationRequest;
import io.grpc.Channel;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Organizations (tenants). Creating, listing, deleting and undeleting need a platform-admin key;
 * an organization's own key may get and update it. Short forms, request forms and {@code Async}
 * variants as in {@link Users}.
 */
public final class Organizations {
  private final AccountsServiceGrpc.AccountsServiceBlockingStub blocking;
  private final AccountsServiceGrpc.AccountsServiceFutureStub future;
  private final Calls calls;

  Organizations(Channel channel, Calls calls) {
    this.blocking = AccountsServiceGrpc.newBlockingStub(channel);
    this.future = AccountsServiceGrpc.newFutureStub(channel);
    this.calls = calls;
  }

  /**
   * Creates an organization (request_id generated, so retried safely).
   *
   * @throws AlreadyExistsException reason SLUG_TAKEN
   */
  public Organization create(Organization organization) {
    return create(CreateOrganizationRequest.newBuilder().setOrganization(organization).build());
  }

  public Organization create(CreateOrganizationRequest request) {
    CreateOrganizationRequest withId = withRequestId(request);
    return calls.sync(() -> calls.prepare(blocking).createOrganization(withId));
  }

  public CompletableFuture<Organization> createAsync(CreateOrganizationRequest request) {
    return calls.async(calls.prepare(future).createOrganization(withRequestId(request)));
  }

  /** Gets an organization, deleted or not ({@link NotFoundException} if unknown). */
  public Organization get(String name) {
    return get(GetOrganizationRequest.newBuilder().setName(name).build());
  }

  public Organization get(GetOrganizationRequest request) {
    return calls.sync(() -> calls.prepare(blocking).getOrganization(request));
  }

  public CompletableFuture<Organization> getAsync(GetOrganizationRequest request) {
    return calls.async(calls.prepare(future).getOrganization(request));
  }

  /** Lists live organizations in creation order, fetching pages as you iterate. */
  public PagedResponse<Organization> list() {
    return list(ListOrganizationsRequest.getDefaultInstance());
  }

  public PagedResponse<Organization> list(ListOrganizationsRequest request) {
    return new PagedResponse<>(page(request),
        token -> page(request.toBuilder().setPageToken(token).build()));
  }

  private PagedResponse.Page<Organization> page(ListOrganizationsRequest request) {
    ListOrganizationsResponse response =
        calls.sync(() -> calls.prepare(blocking).listOrganizations(request));
    return new PagedResponse.Page<>(response.getOrganizationsList(), response.getNextPageToken());
  }

  /** Updates the fields in {@code updateMask} (or those set in {@code organization} if null). */
  public Organization update(Organization organization, FieldMask updateMask) {
    UpdateOrganizationRequest.Builder request =
        UpdateOrganizationRequest.newBuilder().setOrganization(organization);
    if (updateMask != null) {
      request.setUpdateMask(updateMask);
    }
    return update(request.build());
  }

  public Organization update(UpdateOrganizationRequest request) {
    return calls.sync(() -> calls.prepare(blocking).updateOrganization(request));
  }

  public CompletableFuture<Organization> updateAsync(UpdateOrganizationRequest request) {
    return calls.async(calls.prepare(future).updateOrganization(request));
  }

  /** Soft-deletes an organization without live users (use the request form with force). */
  public Organization delete(String name) {
    return delete(DeleteOrganizationRequest.newBuilder().setName(name).build());
  }

  public Organization delete(DeleteOrganizationRequest request) {
    return calls.sync(() -> calls.prepare(blocking).deleteOrganization(request));
  }

  public CompletableFuture<Organization> deleteAsync(DeleteOrganizationRequest request) {
    return calls.async(calls.prepare(future).deleteOrganization(request));
  }

  public Organization undelete(String name) {
    return calls.sync(() -> calls.prepare(blocking).undeleteOrganization(
        UndeleteOrganizationRequest.newBuilder().setName(name).build()));
  }

  public CompletableFuture<Organization> undeleteAsync(UndeleteOrganizationRequest request) {
    return calls.async(calls.prepare(future).undeleteOrganization(request));
  }

  private static CreateOrganizationRequest withRequestId(CreateOrganizationRequest request) {
    return request.getRequestId().isEmpty()
        ? request.toBuilder().setRequestId(UUID.randomUUID().toString()).build()
        : request;
  }
}
