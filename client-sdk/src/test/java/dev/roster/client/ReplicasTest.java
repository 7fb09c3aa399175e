package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.ListUsersRequest;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.proto.accounts.v1.User;
import dev.roster.testing.CallerLimits;
import dev.roster.testing.PostgresProcess;
import dev.roster.testing.RosterProcess;
import dev.roster.testing.TempDirs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14's replica criteria: three Roster API replicas, each its own JVM ({@link RosterProcess})
 * on distinct ports, sharing one external PostgreSQL ({@link PostgresProcess}); a client built
 * with {@code addresses(...)} (the {@code static:} resolver) calling GetUser and ListUsers.
 * Calls are counted on the server side, from each replica's {@code /metrics}
 * ({@code grpc_server_call_started_total}). Every replica runs with
 * {@code ROSTER_MAX_CONNECTION_AGE=2s}. Numbers go to {@code REPLICAS} lines.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicasTest {
  private static final String ADMIN_KEY = "replicas-admin-key-0123456789abcdefghijklmnopqrstuvwxyz";
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration MAX_AGE = Duration.ofSeconds(2);
  private static final Duration MAX_AGE_GRACE = Duration.ofSeconds(1);
  private static final int KILLED = 137;
  private static final int TERMINATED = 143;
  private static final List<String> COUNTED = List.of(
      "roster.accounts.v1.AccountsService/GetUser", "roster.accounts.v1.AccountsService/ListUsers");
  private static final Pattern STARTED = Pattern.compile(
      "^grpc_server_call_started_total\\{([^}]*)\\} ([0-9.eE+]+)", Pattern.MULTILINE);

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();
  private static PostgresProcess postgres;
  private static final List<Replica> replicas = new ArrayList<>();
  private static String organization;
  private static List<String> userNames;
  private static final Map<String, Object> summary = Collections.synchronizedMap(new HashMap<>());

  /** One API replica: its ports, data directory and the JVM running now. */
  private static final class Replica {
    final int grpcPort = PostgresProcess.freePort();
    final int adminPort = PostgresProcess.freePort();
    final Path dataDir = TempDirs.create("roster-replica-");
    volatile RosterProcess process;

    Map<String, String> env() {
      Map<String, String> env = new HashMap<>();
      env.put("ROSTER_GRPC_PORT", Integer.toString(grpcPort));
      env.put("ROSTER_ADMIN_PORT", Integer.toString(adminPort));
      env.put("ROSTER_DATABASE_URL", postgres.jdbcUrl());
      env.put("ROSTER_DATABASE_USER", "postgres");
      env.put("ROSTER_DATA_DIR", dataDir.toString());
      env.put("ROSTER_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY);
      env.put("ROSTER_SHUTDOWN_GRACE", "3s");
      env.put("ROSTER_MAX_CONNECTION_AGE", MAX_AGE.toSeconds() + "s");
      env.put("ROSTER_MAX_CONNECTION_AGE_GRACE", MAX_AGE_GRACE.toSeconds() + "s");
      // One client process drives all the load: per-caller limits are not what is tested.
      CallerLimits.lift(env);
      return env;
    }

    String address() {
      return "127.0.0.1:" + grpcPort;
    }

    void start() {
      process = RosterProcess.start(env(), START);
    }

    /** GetUser + ListUsers calls this replica has started since its JVM started. */
    long served() {
      try {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("/metrics of replica " + address()).isEqualTo(200);
        long total = 0;
        Matcher m = STARTED.matcher(response.body());
        while (m.find()) {
          String labels = m.group(1);
          if (COUNTED.stream().anyMatch(method -> labels.contains("\"" + method + "\""))) {
            total += (long) Double.parseDouble(m.group(2));
          }
        }
        return total;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  @BeforeAll
  static void startReplicas() throws Exception {
    long begin = System.nanoTime();
    postgres = PostgresProcess.start();
    for (int i = 0; i < 3; i++) {
      replicas.add(new Replica());
    }
    // The first alone (it migrates the schema and stores the bootstrap key), then the others at once.
    replicas.get(0).start();
    CompletableFuture.allOf(CompletableFuture.runAsync(() -> replicas.get(1).start()),
        CompletableFuture.runAsync(() -> replicas.get(2).start())).get(90, TimeUnit.SECONDS);
    try (RosterClient client = client(replicas)) {
      organization = client.organizations().create(Organization.newBuilder()
          .setSlug(RosterClientTest.slug("replicas")).build()).getName();
      List<String> names = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        names.add(client.users().create(CreateUserRequest.newBuilder().setParent(organization)
            .setUser(User.newBuilder().setHandle("seed-" + i).setEmail("seed-" + i + "@example.com"))
            .build()).getName());
      }
      userNames = List.copyOf(names);
    }
    System.out.printf("REPLICAS started 3 replicas and seeded in %d ms%n",
        (System.nanoTime() - begin) / 1_000_000);
  }

  @AfterAll
  static void stopEverything() {
    for (Replica r : replicas) {
      if (r.process != null) {
        r.process.close();
      }
      TempDirs.delete(r.dataDir);
    }
    if (postgres != null) {
      postgres.close();
    }
    System.out.println("REPLICAS summary " + new java.util.TreeMap<>(summary));
  }

  /** (a) Round-robin: each of 3 replicas serves within 20 % of a third of the calls. */
  @Test
  @Order(1)
  void threeReplicas_steadyCalls_spreadEvenly() throws Exception {
    long[] before = served(replicas);
    try (RosterClient client = client(replicas)) {
      Load load = new Load(client, 4, false).start();
      Thread.sleep(5_000);
      load.stop();
      assertThat(load.failures).as("failed calls").isEmpty();
    }
    long[] after = served(replicas);
    long total = 0;
    long[] delta = new long[3];
    for (int i = 0; i < 3; i++) {
      delta[i] = after[i] - before[i];
      total += delta[i];
    }
    List<String> shares = new ArrayList<>();
    for (long d : delta) {
      shares.add(String.format("%.1f%%", 100.0 * d / total));
    }
    summary.put("a.spread", shares + " of " + total);
    System.out.printf("REPLICAS spread: calls per replica %s of %d (%s)%n",
        java.util.Arrays.toString(delta), total, shares);
    assertThat(total).as("calls counted by the replicas").isGreaterThan(120);
    for (long d : delta) {
      assertThat((double) d).as("one replica's calls, against a third of " + total)
          .isBetween(total / 3.0 * 0.8, total / 3.0 * 1.2);
    }
  }

  /**
   * (b) A 4th replica that appears in the client's address list (as a new pod's address in DNS)
   * gets calls once some connection reaches its maximum age: the GOAWAY makes the channel resolve
   * again, and round_robin then spreads over all four.
   */
  @Test
  @Order(2)
  void fourthReplica_appearsInResolver_getsCallsWithinMaxConnectionAge() throws Exception {
    Replica fourth = new Replica();
    replicas.add(fourth);
    AtomicReference<List<InetSocketAddress>> addresses = new AtomicReference<>(
        replicas.subList(0, 3).stream().map(r -> new InetSocketAddress("127.0.0.1", r.grpcPort))
            .toList());
    try (RosterClient client = RosterClient.newBuilder().resolver(addresses::get)
        .apiKey(ADMIN_KEY).build()) {
      Load load = new Load(client, 2, false).start();
      fourth.start();
      Thread.sleep(1_000);
      long before = fourth.served();
      assertThat(before).as("calls on the 4th replica before it is in the address list").isZero();
      long added = System.nanoTime();
      addresses.set(replicas.stream()
          .map(r -> new InetSocketAddress("127.0.0.1", r.grpcPort)).toList());
      long firstCall = -1;
      long limit = added + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < limit) {
        if (fourth.served() > 0) {
          firstCall = System.nanoTime();
          break;
        }
        Thread.sleep(50);
      }
      // Its share once there: 2 s of calls, counted on all four.
      long[] from = served(replicas);
      Thread.sleep(2_000);
      long[] to = served(replicas);
      load.stop();
      assertThat(load.failures).as("failed calls").isEmpty();
      long total = 0;
      for (int i = 0; i < 4; i++) {
        total += to[i] - from[i];
      }
      double share = (double) (to[3] - from[3]) / total;
      long rebalanceMs = firstCall < 0 ? -1 : (firstCall - added) / 1_000_000;
      summary.put("b.rebalanceMs", rebalanceMs);
      summary.put("b.share4th", String.format("%.1f%%", 100 * share));
      System.out.printf("REPLICAS rebalance: 4th replica's first call %d ms after its address"
              + " appeared (maxConnectionAge %d ms + grace %d ms); its share over the next 2 s"
              + " %.1f%% of %d%n", rebalanceMs, MAX_AGE.toMillis(), MAX_AGE_GRACE.toMillis(),
          100 * share, total);
      assertThat(firstCall).as("the 4th replica got a call within 20 s").isPositive();
      // +10 % jitter on the age, and the 50 ms polling of /metrics.
      assertThat(rebalanceMs).as("time to the 4th replica's first call (ms)")
          .isLessThanOrEqualTo((long) (MAX_AGE.toMillis() * 1.1) + MAX_AGE_GRACE.toMillis() + 500);
      assertThat(share).as("the 4th replica's share of calls once added").isBetween(0.15, 0.35);
    } finally {
      fourth.process.sigterm();
      assertThat(fourth.process.awaitExit(Duration.ofSeconds(30))).isEqualTo(TERMINATED);
      fourth.process = null;
      replicas.remove(fourth);
      TempDirs.delete(fourth.dataDir);
    }
  }

  /**
   * (c) One replica SIGKILLed (and started again), then a rolling restart of all three (SIGTERM,
   * exit, start, listening), under steady GetUser/ListUsers and CreateUser calls with the SDK's
   * default retry settings. No read fails; every CreateUser succeeds and its request_id is in
   * PostgreSQL exactly once.
   */
  @Test
  @Order(3)
  void sigkillThenRollingRestart_noFailedCallsNoLostOrDuplicatedWrites() throws Exception {
    long begin = System.nanoTime();
    try (RosterClient client = client(replicas)) {
      Load load = new Load(client, 3, true).start();
      Thread.sleep(1_000);
      Replica victim = replicas.get(0);
      victim.process.sigkill();
      assertThat(victim.process.awaitExit(Duration.ofSeconds(30))).as("SIGKILL exit code")
          .isEqualTo(KILLED);
      Thread.sleep(500);
      victim.start();
      for (Replica r : replicas) {
        r.process.sigterm();
        assertThat(r.process.awaitExit(Duration.ofSeconds(30))).as("SIGTERM exit code")
            .isEqualTo(TERMINATED);
        r.start();
      }
      Thread.sleep(1_000);
      load.stop();

      List<Long> latencies = load.latencies();
      Collections.sort(latencies);
      long p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1) / 1_000_000;
      long max = latencies.get(latencies.size() - 1) / 1_000_000;
      Map<String, Integer> rows = rowsPerRequestId(load.requestIds());
      long missing = load.requestIds().stream().filter(id -> !rows.containsKey(id)).count();
      long duplicated = rows.values().stream().filter(n -> n > 1).count();
      summary.put("c.reads", latencies.size());
      summary.put("c.readP99Ms", p99);
      summary.put("c.failures", load.failures.size());
      summary.put("c.creates", load.requestIds().size());
      summary.put("c.lost", missing);
      summary.put("c.duplicated", duplicated);
      System.out.printf("REPLICAS kill+rolling restart in %d ms: reads=%d p99=%d ms max=%d ms"
              + " failures=%d (first: %s) | creates=%d ok=%d lost=%d duplicated=%d%n",
          (System.nanoTime() - begin) / 1_000_000, latencies.size(), p99, max,
          load.failures.size(), load.failures.stream().limit(3).toList(),
          load.requestIds().size(), load.createdOk, missing, duplicated);
      assertThat(load.failures).as("failed calls (reads and creates)").isEmpty();
      assertThat(load.createdOk).as("CreateUser calls that succeeded")
          .isEqualTo(load.requestIds().size()).isGreaterThan(20);
      assertThat(missing).as("acknowledged CreateUser request_ids missing in PostgreSQL").isZero();
      assertThat(duplicated).as("request_ids with more than one row").isZero();
    }
  }

  private static Map<String, Integer> rowsPerRequestId(List<String> requestIds) throws Exception {
    Map<String, Integer> rows = new HashMap<>();
    try (Connection c = postgres.connect(); PreparedStatement s = c.prepareStatement(
        "select request_id::text, count(*) from users where request_id = any(?::uuid[])"
            + " group by request_id")) {
      s.setArray(1, c.createArrayOf("text", requestIds.toArray()));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          rows.put(r.getString(1), r.getInt(2));
        }
      }
    }
    return rows;
  }

  /** Steady calls on {@code threads} threads: GetUser and ListUsers alternately, and CreateUser. */
  private static final class Load {
    private final RosterClient client;
    private final int threads;
    private final boolean creates;
    private final List<Thread> running = new ArrayList<>();
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    private final List<String> requestIds = Collections.synchronizedList(new ArrayList<>());
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    volatile int createdOk;
    private volatile boolean stop;

    Load(RosterClient client, int threads, boolean creates) {
      this.client = client;
      this.threads = threads;
      this.creates = creates;
    }

    Load start() {
      for (int t = 0; t < threads; t++) {
        int seed = t;
        running.add(new Thread(() -> reads(seed), "reads-" + t));
      }
      if (creates) {
        running.add(new Thread(this::creates, "creates"));
      }
      running.forEach(Thread::start);
      return this;
    }

    void stop() throws InterruptedException {
      stop = true;
      for (Thread t : running) {
        t.join(60_000);
      }
    }

    List<Long> latencies() {
      synchronized (latencies) {
        return new ArrayList<>(latencies);
      }
    }

    List<String> requestIds() {
      synchronized (requestIds) {
        return List.copyOf(requestIds);
      }
    }

    private void reads(int seed) {
      for (int i = seed; !stop; i++) {
        long start = System.nanoTime();
        try {
          if (i % 2 == 0) {
            String name = userNames.get((i * 7) % userNames.size());
            assertThat(client.users().get(name).getName()).isEqualTo(name);
          } else {
            client.users().list(ListUsersRequest.newBuilder().setParent(organization)
                .setPageSize(10).build()).iterateAll().iterator().next();
          }
          latencies.add(System.nanoTime() - start);
        } catch (RuntimeException | AssertionError e) {
          failures.add(e.getClass().getSimpleName() + " after "
              + (System.nanoTime() - start) / 1_000_000 + " ms: " + e.getMessage());
        }
        pause(5);
      }
    }

    private void creates() {
      for (int i = 0; !stop; i++) {
        String requestId = UUID.randomUUID().toString();
        String handle = "c-" + requestId.substring(0, 13);
        requestIds.add(requestId);
        try {
          client.users().create(CreateUserRequest.newBuilder().setParent(organization)
              .setRequestId(requestId)
              .setUser(User.newBuilder().setHandle(handle).setEmail(handle + "@example.com"))
              .build());
          createdOk++;
        } catch (RuntimeException e) {
          failures.add("CreateUser: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        pause(40);
      }
    }

    private static void pause(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static long[] served(List<Replica> of) {
    long[] out = new long[of.size()];
    for (int i = 0; i < of.size(); i++) {
      out[i] = of.get(i).served();
    }
    return out;
  }

  /** The client as a user without DNS builds it: the replicas' addresses and an API key. */
  private static RosterClient client(List<Replica> of) {
    return RosterClient.newBuilder()
        .addresses(of.stream().map(Replica::address).toArray(String[]::new))
        .apiKey(ADMIN_KEY).build();
  }
}
