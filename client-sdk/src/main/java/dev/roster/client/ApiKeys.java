package dev.roster.client;

import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateApiKeyResponse;
import dev.roster.proto.accounts.v1.GetApiKeyRequest;
import dev.roster.proto.accounts.v1.ListApiKeysRequest;
import dev.roster.proto.accounts.v1.ListApiKeysResponse;
import dev.roster.proto.accounts.v1.RevokeApiKeyRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * An organization's API keys (needs the KEYS_MANAGE scope). Short forms, request forms and
 * {@code Async} forms as in {@link Users}.
 *
 * <p>Retried on UNAVAILABLE: get and list. Not retried: create (it has no request_id, and a
 * second key would be minted) and revoke.
 */
public final class ApiKeys {
  private final Calls calls;

  ApiKeys(Calls calls) {
    this.calls = calls;
  }

  /**
   * This view with another deadline for each call, retries included.
   *
   * @param deadline the deadline of every call made through the returned view
   * @return a view sharing this client's channel
   */
  public ApiKeys withDeadline(Duration deadline) {
    return new ApiKeys(calls.withDeadline(deadline));
  }

  /**
   * This view with other retry settings for its idempotent calls.
   *
   * @param settings the retry settings
   * @return a view sharing this client's channel
   */
  public ApiKeys withRetrySettings(RetrySettings settings) {
    return new ApiKeys(calls.withRetrySettings(settings));
  }

  /**
   * Creates a key; the response carries its secret, shown only this once. Not retried.
   *
   * @param parent the organization
   * @param apiKey the key's display name, scopes and expiry
   * @return the key and its secret
   */
  public CreateApiKeyResponse create(String parent, ApiKey apiKey) {
    return create(CreateApiKeyRequest.newBuilder().setParent(parent).setApiKey(apiKey).build());
  }

  /**
   * Creates a key.
   *
   * @param request the request
   * @return the key and its secret
   */
  public CreateApiKeyResponse create(CreateApiKeyRequest request) {
    return calls.unary(ApiKeysServiceGrpc.getCreateApiKeyMethod(), request);
  }

  /**
   * As {@link #create(CreateApiKeyRequest)}, without blocking.
   *
   * @param request the request
   * @return the key and its secret
   */
  public CompletableFuture<CreateApiKeyResponse> createAsync(CreateApiKeyRequest request) {
    return calls.unaryAsync(ApiKeysServiceGrpc.getCreateApiKeyMethod(), request);
  }

  /**
   * Gets a key (never its secret).
   *
   * @param name {@code organizations/{uuid}/apiKeys/{uuid}}; {@code ApiKeyName} builds it
   * @return the key
   * @throws NotFoundException reason API_KEY_NOT_FOUND
   */
  public ApiKey get(String name) {
    return get(GetApiKeyRequest.newBuilder().setName(name).build());
  }

  /**
   * Gets a key.
   *
   * @param request the request
   * @return the key
   */
  public ApiKey get(GetApiKeyRequest request) {
    return calls.unary(ApiKeysServiceGrpc.getGetApiKeyMethod(), request);
  }

  /**
   * As {@link #get(GetApiKeyRequest)}, without blocking.
   *
   * @param request the request
   * @return the key
   */
  public CompletableFuture<ApiKey> getAsync(GetApiKeyRequest request) {
    return calls.unaryAsync(ApiKeysServiceGrpc.getGetApiKeyMethod(), request);
  }

  /**
   * Lists the organization's usable keys, fetching pages as you iterate.
   *
   * @param parent the organization
   * @return the first page, and the rest on demand
   */
  public PagedResponse<ApiKey> list(String parent) {
    return list(ListApiKeysRequest.newBuilder().setParent(parent).build());
  }

  /**
   * Lists keys with the request's page size or show_revoked.
   *
   * @param request the request
   * @return the first page, and the rest on demand
   */
  public PagedResponse<ApiKey> list(ListApiKeysRequest request) {
    return PagedResponse.list(calls, ApiKeysServiceGrpc.getListApiKeysMethod(), request,
        ApiKeys::withPageToken, ApiKeys::page);
  }

  /**
   * As {@link #list(ListApiKeysRequest)}, the first page fetched without blocking.
   *
   * @param request the request
   * @return the first page; {@link PagedResponse#nextPageAsync()} fetches the next
   */
  public CompletableFuture<PagedResponse<ApiKey>> listAsync(ListApiKeysRequest request) {
    return PagedResponse.listAsync(calls, ApiKeysServiceGrpc.getListApiKeysMethod(), request,
        ApiKeys::withPageToken, ApiKeys::page);
  }

  private static ListApiKeysRequest withPageToken(ListApiKeysRequest request, String token) {
    return request.toBuilder().setPageToken(token).build();
  }

  private static PagedResponse.Page<ApiKey> page(ListApiKeysResponse response) {
    return new PagedResponse.Page<>(response.getApiKeysList(), response.getNextPageToken());
  }

  /**
   * Revokes a key; every Roster replica refuses it within seconds. Not retried.
   *
   * @param name the key
   * @return the revoked key
   */
  public ApiKey revoke(String name) {
    return revoke(RevokeApiKeyRequest.newBuilder().setName(name).build());
  }

  /**
   * Revokes a key.
   *
   * @param request the request
   * @return the revoked key
   */
  public ApiKey revoke(RevokeApiKeyRequest request) {
    return calls.unary(ApiKeysServiceGrpc.getRevokeApiKeyMethod(), request);
  }

  /**
   * As {@link #revoke(RevokeApiKeyRequest)}, without blocking.
   *
   * @param request the request
   * @return the revoked key
   */
  public CompletableFuture<ApiKey> revokeAsync(RevokeApiKeyRequest request) {
    return calls.unaryAsync(ApiKeysServiceGrpc.getRevokeApiKeyMethod(), request);
  }
}
