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
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Organizations (tenants). Creating, listing, deleting and undeleting need a platform-admin key;
 * an organization's own key may get and update it. Short forms, request forms and {@code Async}
 * forms as in {@link Users}.
 *
 * <p>Retried on UNAVAILABLE: get, list, and create (which carries a request_id). Not retried:
 * update, delete, undelete.
 */
public final class Organizations {
  private final Calls calls;

  Organizations(Calls calls) {
    this.calls = calls;
  }

  /**
   * This view with another deadline for each call, retries included.
   *
   * @param deadline the deadline of every call made through the returned view
   * @return a view sharing this client's channel
   */
  public Organizations withDeadline(Duration deadline) {
    return new Organizations(calls.withDeadline(deadline));
  }

  /**
   * This view with other retry settings for its idempotent calls.
   *
   * @param settings the retry settings
   * @return a view sharing this client's channel
   */
  public Organizations withRetrySettings(RetrySettings settings) {
    return new Organizations(calls.withRetrySettings(settings));
  }

  /**
   * Creates an organization (request_id generated, so retried safely).
   *
   * @param organization the organization (slug, display name)
   * @return the created organization
   * @throws AlreadyExistsException reason SLUG_TAKEN
   */
  public Organization create(Organization organization) {
    return create(CreateOrganizationRequest.newBuilder().setOrganization(organization).build());
  }

  /**
   * Creates an organization; a request_id is added when the request has none.
   *
   * @param request the request
   * @return the created organization
   */
  public Organization create(CreateOrganizationRequest request) {
    return calls.unary(AccountsServiceGrpc.getCreateOrganizationMethod(), withRequestId(request));
  }

  /**
   * As {@link #create(CreateOrganizationRequest)}, without blocking.
   *
   * @param request the request
   * @return the created organization
   */
  public CompletableFuture<Organization> createAsync(CreateOrganizationRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getCreateOrganizationMethod(),
        withRequestId(request));
  }

  /**
   * Gets an organization by name.
   *
   * @param name {@code organizations/{uuid}}
   * @return the organization
   * @throws NotFoundException reason ORGANIZATION_NOT_FOUND
   */
  public Organization get(String name) {
    return get(GetOrganizationRequest.newBuilder().setName(name).build());
  }

  /**
   * Gets an organization.
   *
   * @param request the request
   * @return the organization
   */
  public Organization get(GetOrganizationRequest request) {
    return calls.unary(AccountsServiceGrpc.getGetOrganizationMethod(), request);
  }

  /**
   * As {@link #get(GetOrganizationRequest)}, without blocking.
   *
   * @param request the request
   * @return the organization
   */
  public CompletableFuture<Organization> getAsync(GetOrganizationRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getGetOrganizationMethod(), request);
  }

  /**
   * Lists live organizations, fetching pages as you iterate (platform admin).
   *
   * @return the first page, and the rest on demand
   */
  public PagedResponse<Organization> list() {
    return list(ListOrganizationsRequest.getDefaultInstance());
  }

  /**
   * Lists organizations with the request's filter, order, page size or show_deleted.
   *
   * @param request the request
   * @return the first page, and the rest on demand
   */
  public PagedResponse<Organization> list(ListOrganizationsRequest request) {
    return PagedResponse.list(calls, AccountsServiceGrpc.getListOrganizationsMethod(), request,
        Organizations::withPageToken, Organizations::page);
  }

  /**
   * As {@link #list(ListOrganizationsRequest)}, the first page fetched without blocking.
   *
   * @param request the request
   * @return the first page; {@link PagedResponse#nextPageAsync()} fetches the next
   */
  public CompletableFuture<PagedResponse<Organization>> listAsync(
      ListOrganizationsRequest request) {
    return PagedResponse.listAsync(calls, AccountsServiceGrpc.getListOrganizationsMethod(),
        request, Organizations::withPageToken, Organizations::page);
  }

  private static ListOrganizationsRequest withPageToken(ListOrganizationsRequest r, String token) {
    return r.toBuilder().setPageToken(token).build();
  }

  private static PagedResponse.Page<Organization> page(ListOrganizationsResponse response) {
    return new PagedResponse.Page<>(response.getOrganizationsList(), response.getNextPageToken());
  }

  /**
   * Updates the fields in {@code updateMask} (or those set in {@code organization} if null).
   *
   * @param organization the organization, with its name and the new values
   * @param updateMask the fields to change, or null
   * @return the updated organization
   * @throws EtagMismatchException if an etag was sent and is stale
   */
  public Organization update(Organization organization, FieldMask updateMask) {
    UpdateOrganizationRequest.Builder request =
        UpdateOrganizationRequest.newBuilder().setOrganization(organization);
    if (updateMask != null) {
      request.setUpdateMask(updateMask);
    }
    return update(request.build());
  }

  /**
   * Updates an organization.
   *
   * @param request the request
   * @return the updated organization
   */
  public Organization update(UpdateOrganizationRequest request) {
    return calls.unary(AccountsServiceGrpc.getUpdateOrganizationMethod(), request);
  }

  /**
   * As {@link #update(UpdateOrganizationRequest)}, without blocking.
   *
   * @param request the request
   * @return the updated organization
   */
  public CompletableFuture<Organization> updateAsync(UpdateOrganizationRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getUpdateOrganizationMethod(), request);
  }

  /**
   * Soft-deletes an organization: its keys stop working; it can be undeleted.
   *
   * @param name the organization
   * @return the deleted organization
   */
  public Organization delete(String name) {
    return delete(DeleteOrganizationRequest.newBuilder().setName(name).build());
  }

  /**
   * Soft-deletes an organization, only if its etag matches when the request has one.
   *
   * @param request the request
   * @return the deleted organization
   */
  public Organization delete(DeleteOrganizationRequest request) {
    return calls.unary(AccountsServiceGrpc.getDeleteOrganizationMethod(), request);
  }

  /**
   * As {@link #delete(DeleteOrganizationRequest)}, without blocking.
   *
   * @param request the request
   * @return the deleted organization
   */
  public CompletableFuture<Organization> deleteAsync(DeleteOrganizationRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getDeleteOrganizationMethod(), request);
  }

  /**
   * Restores a soft-deleted organization.
   *
   * @param name the organization
   * @return the restored organization
   */
  public Organization undelete(String name) {
    return undelete(UndeleteOrganizationRequest.newBuilder().setName(name).build());
  }

  /**
   * Restores a soft-deleted organization.
   *
   * @param request the request
   * @return the restored organization
   */
  public Organization undelete(UndeleteOrganizationRequest request) {
    return calls.unary(AccountsServiceGrpc.getUndeleteOrganizationMethod(), request);
  }

  /**
   * As {@link #undelete(UndeleteOrganizationRequest)}, without blocking.
   *
   * @param request the request
   * @return the restored organization
   */
  public CompletableFuture<Organization> undeleteAsync(UndeleteOrganizationRequest request) {
    return calls.unaryAsync(AccountsServiceGrpc.getUndeleteOrganizationMethod(), request);
  }

  private static CreateOrganizationRequest withRequestId(CreateOrganizationRequest request) {
    return request.getRequestId().isEmpty()
        ? request.toBuilder().setRequestId(UUID.randomUUID().toString()).build()
        : request;
  }
}
