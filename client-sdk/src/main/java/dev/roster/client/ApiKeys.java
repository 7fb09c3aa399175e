package dev.roster.client;

import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateApiKeyResponse;
import dev.roster.proto.accounts.v1.GetApiKeyRequest;
import dev.roster.proto.accounts.v1.ListApiKeysRequest;
import dev.roster.proto.accounts.v1.ListApiKeysResponse;
import dev.roster.proto.accounts.v1.RevokeApiKeyRequest;
import io.grpc.Channel;
import java.util.concurrent.CompletableFuture;

/** An organization's API keys (needs the KEYS_MANAGE scope). */
public final class ApiKeys {
  private final ApiKeysServiceGrpc.ApiKeysServiceBlockingStub blocking;
  private final ApiKeysServiceGrpc.ApiKeysServiceFutureStub future;
  private final Calls calls;

  ApiKeys(Channel channel, Calls calls) {
    this.blocking = ApiKeysServiceGrpc.newBlockingStub(channel);
    this.future = ApiKeysServiceGrpc.newFutureStub(channel);
    this.calls = calls;
  }

  /** Creates a key; the response carries its secret, shown only this once. Not retried. */
  public CreateApiKeyResponse create(String parent, ApiKey apiKey) {
    return create(CreateApiKeyRequest.newBuilder().setParent(parent).setApiKey(apiKey).build());
  }

  public CreateApiKeyResponse create(CreateApiKeyRequest request) {
    return calls.sync(() -> calls.prepare(blocking).createApiKey(request));
  }

  public CompletableFuture<CreateApiKeyResponse> createAsync(CreateApiKeyRequest request) {
    return calls.async(calls.prepare(future).createApiKey(request));
  }

  public ApiKey get(String name) {
    return calls.sync(() -> calls.prepare(blocking).getApiKey(
        GetApiKeyRequest.newBuilder().setName(name).build()));
  }

  /** Lists the organization's usable keys, fetching pages as you iterate. */
  public PagedResponse<ApiKey> list(String parent) {
    return list(ListApiKeysRequest.newBuilder().setParent(parent).build());
  }

  public PagedResponse<ApiKey> list(ListApiKeysRequest request) {
    return new PagedResponse<>(page(request),
        token -> page(request.toBuilder().setPageToken(token).build()));
  }

  private PagedResponse.Page<ApiKey> page(ListApiKeysRequest request) {
    ListApiKeysResponse response = calls.sync(() -> calls.prepare(blocking).listApiKeys(request));
    return new PagedResponse.Page<>(response.getApiKeysList(), response.getNextPageToken());
  }

  /** Revokes a key; every Roster replica refuses it within seconds. */
  public ApiKey revoke(String name) {
    return calls.sync(() -> calls.prepare(blocking).revokeApiKey(
        RevokeApiKeyRequest.newBuilder().setName(name).build()));
  }

  public CompletableFuture<ApiKey> revokeAsync(RevokeApiKeyRequest request) {
    return calls.async(calls.prepare(future).revokeApiKey(request));
  }
}
