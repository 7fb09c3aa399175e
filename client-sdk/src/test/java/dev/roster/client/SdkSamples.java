package dev.roster.client;

import com.google.protobuf.FieldMask;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKey;
import dev.roster.proto.accounts.v1.CreateApiKeyResponse;
import dev.roster.proto.accounts.v1.ExportUsersMetadata;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.GetUserRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import io.grpc.ClientInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The code samples of docs/SDK.md and README.md, compiled and run by {@link SdkDocsTest}. Each sample sits
 * between "// sample: name" and "// end" exactly as it appears in the document.
 */
final class SdkSamples {
  private SdkSamples() {}

  static RosterClient connect(String target, String apiKey) {
    // sample: connect
    RosterClient roster = RosterClient.newBuilder()
        .target(target)                        // "roster.internal:9090" or "dns:///roster-headless:9090"
        .apiKey(apiKey)                        // sent as "authorization: Bearer <key>"
        .defaultDeadline(Duration.ofSeconds(5)) // per attempt; a retried call ends within 60 s
        .userAgent("billing-service/4.2")
        .build();
    // end
    return roster;
  }

  static RosterClient rotatingKey(String target, Supplier<String> secretManager,
      ClientInterceptor tracing) {
    // sample: credentials
    RosterClient roster = RosterClient.newBuilder()
        .target(target)
        .apiKeyProvider(secretManager)          // asked on every call: rotate keys without a new client
        .intercept(tracing)                     // sees every attempt, e.g. to add a traceparent
        .keepAlive(Duration.ofSeconds(30), Duration.ofSeconds(10))
        .idleTimeout(Duration.ofMinutes(30))
        .build();
    // end
    return roster;
  }

  static User traced(String target, String apiKey, OpenTelemetry openTelemetry, String userName) {
    // sample: tracing
    RosterClient roster = RosterClient.newBuilder()
        .target(target)
        .apiKey(apiKey)
        .openTelemetry(openTelemetry)          // its propagators; W3C traceparent when not set
        .build();
    Span span = openTelemetry.getTracer("billing").spanBuilder("charge").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return roster.users().get(userName);      // the server's spans join this trace
    } finally {
      span.end();
      roster.close();
    }
    // end
  }

  static int perCallOptions(RosterClient roster, String org) throws Exception {
    // sample: per-call
    // A view with its own deadline (retries included) and retry settings; the client is shared.
    Users patient = roster.users()
        .withDeadline(Duration.ofMinutes(2))
        .withRetrySettings(RetrySettings.defaults().toBuilder()
            .setRetryRateLimited(true)          // wait out RESOURCE_EXHAUSTED as the server asks
            .build());
    long active = patient.list(org).stream().count();

    // Async paging: the first page, then the next, without blocking a thread.
    CompletableFuture<PagedResponse<User>> first = roster.users().listAsync(
        ListUsersRequest.newBuilder().setParent(org).setPageSize(1).build());
    PagedResponse<User> page = first.get(10, TimeUnit.SECONDS);
    if (page.hasNextPage()) {
      PagedResponse<User> second = page.nextPageAsync().get(10, TimeUnit.SECONDS);
    }
    // end
    return (int) active;
  }

  static User generatedStub(RosterClient roster, String userName) {
    // sample: stubs
    // The generated stubs on roster.channel() carry the key, gzip and the default deadline.
    AccountsServiceGrpc.AccountsServiceBlockingStub stub =
        AccountsServiceGrpc.newBlockingStub(roster.channel());
    User user = stub.getUser(GetUserRequest.newBuilder().setName(userName).build());
    // end
    return user;
  }

  static String createOrganizationAndKey(RosterClient admin) {
    // sample: organization-and-key
    Organization acme = admin.organizations().create(
        Organization.newBuilder().setSlug("acme-" + System.nanoTime()).setDisplayName("Acme").build());
    CreateApiKeyResponse created = admin.apiKeys().create(acme.getName(), ApiKey.newBuilder()
        .setDisplayName("billing-service")
        .addScopes(ApiKey.Scope.ACCOUNTS_READ)
        .addScopes(ApiKey.Scope.ACCOUNTS_WRITE)
        .build());
    String secret = created.getSecret();      // shown only once: store it in your secret manager
    // end
    return acme.getName() + " " + secret;
  }

  static User createGetUpdate(RosterClient roster, String org) {
    // sample: create-get-update
    User ada = roster.users().create(org, User.newBuilder()
        .setHandle("ada-" + System.nanoTime())
        .setEmail("ada." + System.nanoTime() + "@example.com")
        .setDisplayName("Ada")
        .build());                            // a request_id is added, so retries are safe

    User same = roster.users().get(ada.getName());
    User found = roster.users().lookupByEmail(org, ada.getEmail().toUpperCase());

    User renamed = roster.users().update(
        User.newBuilder()
            .setName(ada.getName())
            .setDisplayName("Ada Lovelace")
            .setEtag(ada.getEtag())           // only if nobody changed her meanwhile
            .build(),
        FieldMask.newBuilder().addPaths("display_name").build());
    // end
    if (!same.equals(ada) || !found.getName().equals(ada.getName())) {
      throw new AssertionError("samples disagree");
    }
    return renamed;
  }

  static int listUsers(RosterClient roster, String org) {
    int count = 0;
    // sample: list
    // Every user, fetching pages of 200 as the loop reaches them.
    for (User user : roster.users().list(ListUsersRequest.newBuilder()
        .setParent(org)
        .setFilter("status = ACTIVE AND handle = \"ada*\"")
        .setOrderBy("handle")
        .setPageSize(200)
        .setReadMask(FieldMask.newBuilder().addPaths("handle").addPaths("email"))
        .build()).iterateAll()) {
      System.out.println(user.getHandle() + " " + user.getEmail());
      count++;
    }

    // Or page by page, keeping the token to resume later.
    for (PagedResponse.Page<User> page : roster.users().list(org).iteratePages()) {
      List<User> users = page.items();
      String resumeFrom = page.nextPageToken(); // empty on the last page
    }
    // end
    return count;
  }

  static String errors(RosterClient roster, String org, String existingHandle) {
    // sample: errors
    try {
      roster.users().create(org, User.newBuilder()
          .setHandle(existingHandle).setEmail("someone.new@example.com").build());
    } catch (AlreadyExistsException e) {
      // e.reason() is "HANDLE_TAKEN" or "EMAIL_TAKEN"; e.metadata().get("field") names the field
      return e.reason();
    } catch (InvalidArgumentException e) {
      for (InvalidArgumentException.FieldViolation v : e.fieldViolations()) {
        System.err.println(v.field() + ": " + v.description());
      }
    } catch (RateLimitedException e) {
      // wait e.retryDelay() before the next call
    } catch (UnavailableException | DeadlineExceededException e) {
      // Roster or its database is unreachable; idempotent calls were already retried
    }
    // end
    return "";
  }

  /** README.md's sample: compiled here, not run (it names a fixed port). */
  static void readme(String org) {
    // sample: readme
    try (RosterClient roster = RosterClient.newBuilder()
        .target("127.0.0.1:9090")
        .apiKey(System.getenv("ROSTER_API_KEY"))
        .build()) {
      User ada = roster.users().create(org, User.newBuilder()
          .setHandle("ada").setEmail("ada@example.com").build());
      for (User user : roster.users().list(org).iterateAll()) {
        System.out.println(user.getHandle());
      }
    }
    // end
  }

  static RosterClient configure(String target, String apiKey) {
    // sample: retries
    RosterClient roster = RosterClient.newBuilder()
        .target(target)
        .apiKey(apiKey)
        .retrySettings(RetrySettings.newBuilder()
            .setInitialRetryDelay(Duration.ofMillis(100))  // first wait, +/- 20 % jitter
            .setRetryDelayMultiplier(1.3)                  // each wait grows by this
            .setMaxRetryDelay(Duration.ofSeconds(5))       // longest wait
            .setAttemptTimeout(Duration.ofSeconds(10))     // one attempt at most
            .setTotalTimeout(Duration.ofSeconds(60))       // the whole call, retries included
            .build())
        .retrySettings("ListUsers", RetrySettings.defaults().toBuilder()
            .setTotalTimeout(Duration.ofMinutes(2))        // one method's own settings
            .build())
        .retryBudget(100, Duration.ofSeconds(10))          // at most 100 retries per 10 s
        .build();
    // Or no retries at all: RosterClient.newBuilder().disableRetries()
    // end
    return roster;
  }

  static long export(RosterClient roster, String org) throws Exception {
    // sample: export
    OperationFuture<ExportUsersResponse, ExportUsersMetadata> export = roster.users().export(org);
    System.out.println("started " + export.getName());

    ExportUsersResponse done = export.get(10, TimeUnit.MINUTES); // polls in the background
    System.out.println(done.getUserCount() + " users, " + done.getByteCount() + " bytes");

    try (Stream<String> users = roster.users().readExportLines(done.getUri())) {
      return users.count(); // one JSON object per line
    }
    // end
  }
}
