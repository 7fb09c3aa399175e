package dev.roster.bench;

import com.google.protobuf.FieldMask;
import dev.roster.RosterServer;
import dev.roster.config.RosterConfig;
import dev.roster.platform.Ids;
import dev.roster.platform.db.EmbeddedDatabase;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc.AccountsServiceBlockingStub;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.ListUsersResponse;
import dev.roster.proto.accounts.v1.Organization;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.postgresql.PGConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Listing at scale: seeds one organization with many users (COPY), then measures ListUsers through
 * gRPC on loopback at page 1 and deep in the list (reached with page tokens), with and without a
 * filter, and an OFFSET query at the same depth for contrast. Prints a Markdown report.
 */
@Command(name = "listing-benchmark", mixinStandardHelpOptions = true,
    description = "Measures ListUsers at page 1 vs deep pages (keyset tokens) vs OFFSET.")
public final class ListingBenchmark implements Callable<Integer> {
  @Option(names = "--users", defaultValue = "1000000", description = "users to seed (default ${DEFAULT-VALUE})")
  int users;

  @Option(names = "--depth", defaultValue = "500000", description = "depth of the deep page (default ${DEFAULT-VALUE})")
  int depth;

  @Option(names = "--iterations", defaultValue = "200", description = "timed calls per case (default ${DEFAULT-VALUE})")
  int iterations;

  @Option(names = "--database-url", description = "JDBC URL of a PostgreSQL to use instead of an embedded one")
  String databaseUrl;

  @Option(names = "--database-user", defaultValue = "postgres")
  String databaseUser;

  @Option(names = "--database-password", defaultValue = "")
  String databasePassword;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ListingBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dataDir = Files.createTempDirectory("roster-bench");
    EmbeddedDatabase embedded = null;
    String url = databaseUrl;
    if (url == null) {
      embedded = EmbeddedDatabase.start(dataDir.resolve("postgres"), 0);
      url = embedded.jdbcUrl();
    }
    String adminKey = "bench-admin-" + UUID.randomUUID();
    RosterServer server = RosterServer.start(RosterConfig.from(Map.of(
        "ROSTER_GRPC_PORT", "0", "ROSTER_ADMIN_PORT", "0",
        "ROSTER_DATABASE_URL", url, "ROSTER_DATABASE_USER", databaseUser,
        "ROSTER_DATABASE_PASSWORD", databasePassword, "ROSTER_BOOTSTRAP_ADMIN_KEY", adminKey,
        "ROSTER_RATE_LIMIT_PER_SECOND", "1000000", "ROSTER_RATE_LIMIT_BURST", "1000000")));
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port())
        .usePlaintext().maxInboundMessageSize(64 << 20).build();
    try (Connection db = DriverManager.getConnection(url, databaseUser, databasePassword)) {
      AccountsServiceBlockingStub rpc = AccountsServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(new io.grpc.CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, java.util.concurrent.Executor executor,
                MetadataApplier applier) {
              io.grpc.Metadata headers = new io.grpc.Metadata();
              headers.put(io.grpc.Metadata.Key.of("authorization",
                  io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + adminKey);
              applier.apply(headers);
            }
          });
      Organization org = rpc.createOrganization(CreateOrganizationRequest.newBuilder()
          .setOrganization(Organization.newBuilder().setSlug("bench-" + System.currentTimeMillis()))
          .build());
      UUID orgId = UUID.fromString(org.getName().substring("organizations/".length()));
      long seedStart = System.nanoTime();
      seed(db, orgId);
      double seedSeconds = (System.nanoTime() - seedStart) / 1e9;

      Report report = new Report();
      report.line("Seeded %,d users into one organization with COPY in %.1f s (then ANALYZE).",
          users, seedSeconds);
      report.line("");
      report.line("| case | page_size | median ms | p99 ms |");
      report.line("|---|---:|---:|---:|");
      for (String filter : List.of("", "status = ACTIVE")) {
        String deepToken = tokenAtDepth(rpc, org.getName(), filter);
        for (int pageSize : List.of(50, 1000)) {
          String label = filter.isEmpty() ? "no filter" : "filter `" + filter + "`";
          var first = time(() -> rpc.listUsers(request(org.getName(), filter, pageSize, "")));
          var deep = time(() -> rpc.listUsers(request(org.getName(), filter, pageSize, deepToken)));
          report.row("ListUsers page 1, " + label, pageSize, first);
          report.row(String.format("ListUsers at depth %,d (token), %s", depth, label), pageSize, deep);
          report.ratio(deep.median / first.median);
        }
      }
      for (int pageSize : List.of(50, 1000)) {
        var keyset = time(() -> keysetQuery(db, orgId, pageSize));
        var offset = timeN(Math.max(10, iterations / 10), () -> offsetQuery(db, orgId, pageSize));
        report.row(String.format("SQL keyset at depth %,d (JDBC)", depth), pageSize, keyset);
        report.row(String.format("SQL OFFSET %,d (JDBC)", depth), pageSize, offset);
      }
      report.line("");
      report.line("Payload bytes of one 1000-user page (protobuf message; gzip as the server sends it):");
      report.line("");
      report.line("| read_mask | protobuf bytes | gzip bytes |");
      report.line("|---|---:|---:|");
      for (String mask : List.of("", "name,email")) {
        ListUsersRequest.Builder b = request(org.getName(), "", 1000, "").toBuilder();
        if (!mask.isEmpty()) {
          b.setReadMask(FieldMask.newBuilder().addAllPaths(List.of(mask.split(","))));
        }
        byte[] bytes = rpc.listUsers(b.build()).toByteArray();
        report.line(String.format("| %s | %,d | %,d |", mask.isEmpty() ? "(all fields)" : mask,
            bytes.length, gzip(bytes)));
      }
      System.out.println(report);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
      if (embedded != null) {
        embedded.close();
      }
    }
    return 0;
  }

  private static ListUsersRequest request(String parent, String filter, int pageSize, String token) {
    return ListUsersRequest.newBuilder().setParent(parent).setFilter(filter).setPageSize(pageSize)
        .setPageToken(token).build();
  }

  /** Walks with page_size 1000 to the depth, the way a caller would, and returns the token there. */
  private String tokenAtDepth(AccountsServiceBlockingStub rpc, String parent, String filter) {
    String token = "";
    for (int seen = 0; seen < depth; seen += 1000) {
      ListUsersResponse page = rpc.listUsers(request(parent, filter, 1000, token));
      token = page.getNextPageToken();
    }
    return token;
  }

  private void seed(Connection db, UUID orgId) throws SQLException, IOException {
    Instant base = Instant.parse("2026-01-01T00:00:00Z");
    Reader rows = new Reader() {
      private int next = 0;
      private String pending = "";
      private int offset = 0;

      @Override
      public int read(char[] buffer, int off, int len) {
        if (offset == pending.length()) {
          if (next == users) {
            return -1;
          }
          int i = next++;
          OffsetDateTime created = base.plusNanos(i * 1000L).atOffset(ZoneOffset.UTC);
          pending = orgId + "\t" + Ids.newId() + "\tuser-" + i + "\tuser" + i + "@example.com\tUser "
              + i + "\t" + (i % 10 == 0 ? "SUSPENDED" : "ACTIVE") + "\t" + created + "\t" + created + "\n";
          offset = 0;
        }
        int n = Math.min(len, pending.length() - offset);
        pending.getChars(offset, offset + n, buffer, off);
        offset += n;
        return n;
      }

      @Override
      public void close() {}
    };
    db.unwrap(PGConnection.class).getCopyAPI().copyIn("copy users (organization_id, id, handle,"
        + " email, display_name, status, create_time, update_time) from stdin", rows);
    try (var s = db.createStatement()) {
      s.execute("analyze users");
    }
  }

  private void keysetQuery(Connection db, UUID orgId, int pageSize) {
    // The same statement the service runs for a deep page: seek past the last row's (create_time, id).
    Instant at = Instant.parse("2026-01-01T00:00:00Z").plusNanos(depth * 1000L);
    run(db, "select organization_id, id, handle, email, display_name, status, create_time,"
        + " update_time, delete_time, version from users where organization_id = ? and delete_time"
        + " is null and (create_time, id) > (?, ?) order by create_time, id limit " + (pageSize + 1),
        orgId, at.atOffset(ZoneOffset.UTC), new UUID(0, 0));
  }

  private void offsetQuery(Connection db, UUID orgId, int pageSize) {
    run(db, "select organization_id, id, handle, email, display_name, status, create_time,"
        + " update_time, delete_time, version from users where organization_id = ? and delete_time"
        + " is null order by create_time, id limit " + pageSize + " offset " + depth, orgId);
  }

  private static void run(Connection db, String sql, Object... params) {
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rs.getString(3);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.size();
  }

  private Timing time(Runnable call) {
    return timeN(iterations, call);
  }

  private static Timing timeN(int n, Runnable call) {
    for (int i = 0; i < Math.max(5, n / 5); i++) {
      call.run();
    }
    List<Double> millis = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      call.run();
      millis.add((System.nanoTime() - start) / 1e6);
    }
    Collections.sort(millis);
    return new Timing(millis.get(n / 2), millis.get(Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)));
  }

  private record Timing(double median, double p99) {}

  private static final class Report {
    private final StringBuilder text = new StringBuilder();

    void line(String format, Object... args) {
      text.append(String.format(format, args)).append('\n');
    }

    void row(String label, int pageSize, Timing t) {
      line("| %s | %d | %.2f | %.2f |", label, pageSize, t.median(), t.p99());
    }

    void ratio(double deepOverFirst) {
      line("| &nbsp;&nbsp;deep / first (median) | | %.2fx | |", deepOverFirst);
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }

  static {
    // Keep java.util.logging (used by grpc) quiet on the report's stdout.
    java.util.logging.Logger.getLogger("io.grpc").setLevel(java.util.logging.Level.WARNING);
  }

}
