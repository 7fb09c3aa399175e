package dev.roster.rpc;

import dev.roster.server.Callers;
import dev.roster.access.Access;
import dev.roster.access.ApiKey;
import dev.roster.access.NewApiKey;
import dev.roster.access.RateLimit;
import dev.roster.access.Scope;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.paging.PageTokens;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateApiKeyResponse;
import dev.roster.proto.accounts.v1.GetApiKeyRequest;
import dev.roster.proto.accounts.v1.ListApiKeysRequest;
import dev.roster.proto.accounts.v1.ListApiKeysResponse;
import dev.roster.proto.accounts.v1.RevokeApiKeyRequest;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Timestamps;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * roster.accounts.v1.ApiKeysService. Every method needs KEYS_MANAGE on the key's organization;
 * platform-admin keys ({@code apiKeys/{uuid}}) are visible to platform admins only.
 */
public final class ApiKeysHandler extends ApiKeysServiceGrpc.ApiKeysServiceImplBase {
  private final Access access;
  private final Lists lists;
  private final RateLimit defaultRateLimit;

  public ApiKeysHandler(Access access, PageTokens pageTokens, RateLimit defaultRateLimit) {
    this.access = access;
    this.lists = new Lists(pageTokens);
    this.defaultRateLimit = defaultRateLimit;
  }

  @Override
  public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> out) {
    UUID organizationId = ResourceNames.parseOrganization("parent", request.getParent());
    Callers.require(organizationId, Scope.KEYS_MANAGE);
    NewApiKey key = Callers.principal().bound(newKey(organizationId, request.getApiKey()),
        defaultRateLimit);
    var created = RequestFields.under("api_key", () -> access.createKey(key));
    reply(out, CreateApiKeyResponse.newBuilder().setApiKey(toProto(created.key()))
        .setSecret(created.secret()).build());
  }

  @Override
  public void getApiKey(GetApiKeyRequest request, StreamObserver<dev.roster.proto.accounts.v1.ApiKey> out) {
    var name = ResourceNames.parseApiKey("name", request.getName());
    authorize(name);
    reply(out, toProto(access.getKey(name.organizationId(), name.keyId())));
  }

  @Override
  public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> out) {
    UUID organizationId = ResourceNames.parseOrganization("parent", request.getParent());
    Callers.require(organizationId, Scope.KEYS_MANAGE);
    var binding = new Lists.Binding("ListApiKeys", request.getParent(), "", "",
        request.getShowRevoked());
    var query = lists.query(binding, request.getPageSize(), request.getPageToken(),
        FieldMask.getDefaultInstance(), dev.roster.proto.accounts.v1.ApiKey.getDescriptor());
    var page = access.listKeys(organizationId, query);
    reply(out, ListApiKeysResponse.newBuilder()
        .addAllApiKeys(page.items().stream().map(ApiKeysHandler::toProto).toList())
        .setNextPageToken(lists.nextToken(binding, page))
        .build());
  }

  @Override
  public void revokeApiKey(RevokeApiKeyRequest request, StreamObserver<dev.roster.proto.accounts.v1.ApiKey> out) {
    var name = ResourceNames.parseApiKey("name", request.getName());
    authorize(name);
    reply(out, toProto(access.revokeKey(name.organizationId(), name.keyId())));
  }

  private static void authorize(ResourceNames.ApiKeyName name) {
    if (name.organizationId().isPresent()) {
      Callers.require(name.organizationId().get(), Scope.KEYS_MANAGE);
    } else {
      Callers.requireAdmin();
    }
  }

  /** Only scopes, display name, expire time and rate limit are read; the rest is ignored. */
  private static NewApiKey newKey(UUID organizationId, dev.roster.proto.accounts.v1.ApiKey key) {
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (var scope : key.getScopesList()) {
      scopes.add(switch (scope) {
        case ACCOUNTS_READ -> Scope.ACCOUNTS_READ;
        case ACCOUNTS_WRITE -> Scope.ACCOUNTS_WRITE;
        case KEYS_MANAGE -> Scope.KEYS_MANAGE;
        default -> throw InvalidArgumentException.of("api_key.scopes", "INVALID_VALUE",
            "must be ACCOUNTS_READ, ACCOUNTS_WRITE or KEYS_MANAGE");
      });
    }
    Optional<RateLimit> rateLimit = key.getRateLimitPerSecond() == 0 && key.getRateLimitBurst() == 0
        ? Optional.empty()
        : Optional.of(new RateLimit(key.getRateLimitPerSecond(),
            key.getRateLimitBurst() == 0 ? key.getRateLimitPerSecond() : key.getRateLimitBurst()));
    if (key.hasExpireTime() && !Timestamps.isValid(key.getExpireTime())) {
      throw InvalidArgumentException.of("api_key.expire_time", "INVALID_VALUE",
          "must be a valid timestamp between years 0001 and 9999");
    }
    Optional<Instant> expireTime = key.hasExpireTime()
        ? Optional.of(Instant.ofEpochSecond(key.getExpireTime().getSeconds(), key.getExpireTime().getNanos()))
        : Optional.empty();
    return new NewApiKey(organizationId, key.getDisplayName(), scopes, expireTime, rateLimit);
  }

  static dev.roster.proto.accounts.v1.ApiKey toProto(ApiKey key) {
    var b = dev.roster.proto.accounts.v1.ApiKey.newBuilder()
        .setName(ResourceNames.apiKey(key.organizationId(), key.id()))
        .setDisplayName(key.displayName())
        .setKeyPrefix(key.keyPrefix())
        .setCreateTime(AccountsMapper.timestamp(key.createTime()));
    key.scopes().stream().sorted().forEach(scope -> b.addScopes(switch (scope) {
      case ACCOUNTS_READ -> dev.roster.proto.accounts.v1.ApiKey.Scope.ACCOUNTS_READ;
      case ACCOUNTS_WRITE -> dev.roster.proto.accounts.v1.ApiKey.Scope.ACCOUNTS_WRITE;
      case KEYS_MANAGE -> dev.roster.proto.accounts.v1.ApiKey.Scope.KEYS_MANAGE;
    }));
    key.expireTime().ifPresent(t -> b.setExpireTime(AccountsMapper.timestamp(t)));
    key.revokeTime().ifPresent(t -> b.setRevokeTime(AccountsMapper.timestamp(t)));
    key.rateLimit().ifPresent(r -> b.setRateLimitPerSecond(r.perSecond()).setRateLimitBurst(r.burst()));
    return b.build();
  }

  private static <T> void reply(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }
}
