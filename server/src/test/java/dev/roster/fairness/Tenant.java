package dev.roster.fairness;

import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import dev.roster.proto.accounts.v1.CreateApiKeyRequest;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Metadata;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One organization of the fairness harness: its resource name, a few users made through the API
 * and one API key with the given scopes (default rate limits: the key is an ordinary one).
 *
 * @param organization {@code organizations/{uuid}}
 * @param users resource names of users made through the API
 * @param key the secret of the tenant's key
 */
public record Tenant(String organization, List<String> users, String key) {
  private static final AtomicLong COUNTER = new AtomicLong(System.nanoTime() % 1_000_000);

  /** Creates a tenant through {@code admin} (a channel authenticated per call as the admin). */
  public static Tenant create(Channel admin, String adminKey, String label, int users,
      ApiKey.Scope... scopes) {
    var accounts = AccountsServiceGrpc.newBlockingStub(admin).withCallCredentials(bearer(adminKey))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
    Organization org = accounts.createOrganization(CreateOrganizationRequest.newBuilder()
        .setOrganization(Organization.newBuilder().setSlug(unique(label)).setDisplayName(label))
        .build());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < users; i++) {
      String handle = unique(label + "-u");
      names.add(accounts.createUser(CreateUserRequest.newBuilder().setParent(org.getName())
          .setUser(User.newBuilder().setHandle(handle).setEmail(handle + "@example.com")
              .setDisplayName("User " + i)).build()).getName());
    }
    String secret = ApiKeysServiceGrpc.newBlockingStub(admin).withCallCredentials(bearer(adminKey))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .createApiKey(CreateApiKeyRequest.newBuilder().setParent(org.getName())
            .setApiKey(ApiKey.newBuilder().setDisplayName(label).addAllScopes(List.of(scopes)))
            .build())
        .getSecret();
    return new Tenant(org.getName(), List.copyOf(names), secret);
  }

  /** The organization's id, the last segment of its name. */
  public UUID organizationId() {
    return UUID.fromString(organization.substring("organizations/".length()));
  }

  /**
   * Adds {@code count} users straight into the database with one INSERT ... SELECT, with display
   * names in no particular order, so sorting by them is real work.
   */
  public void seedUsers(String jdbcUrl, int count) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement insert = c.prepareStatement("""
            insert into users (organization_id, id, handle, email, display_name, status,
                               create_time, update_time)
            select ?, gen_random_uuid(), 'seed-' || i, 'seed' || i || '@example.com',
                   md5(i::text), 'ACTIVE', now() + i * interval '1 microsecond', now()
              from generate_series(1, ?) i""")) {
      insert.setObject(1, organizationId());
      insert.setInt(2, count);
      insert.executeUpdate();
      try (var analyze = c.createStatement()) {
        analyze.execute("analyze users");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not seed users", e);
    }
  }

  /** Call credentials for this tenant's key. */
  public CallCredentials credentials() {
    return bearer(key);
  }

  /** Credentials that send {@code authorization: Bearer <secret>}. */
  public static CallCredentials bearer(String secret) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + secret);
        applier.apply(headers);
      }
    };
  }

  private static String unique(String label) {
    return label.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-") + "-"
        + Long.toString(COUNTER.incrementAndGet(), 36);
  }
}
