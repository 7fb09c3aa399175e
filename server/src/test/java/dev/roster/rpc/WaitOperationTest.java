package dev.roster.rpc;

import static dev.roster.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.longrunning.GetOperationRequest;
import com.google.longrunning.Operation;
import com.google.longrunning.OperationsGrpc;
import com.google.longrunning.WaitOperationRequest;
import dev.roster.access.Access;
import dev.roster.access.RateLimit;
import dev.roster.accounts.Accounts;
import dev.roster.accounts.ExportOperation;
import dev.roster.accounts.NewOrganization;
import dev.roster.jobs.Job;
import dev.roster.jobs.JobQueue;
import dev.roster.mail.EmlFileMailer;
import dev.roster.platform.paging.PageTokens;
import dev.roster.platform.paging.SigningKeys;
import dev.roster.proto.accounts.v1.CreateOrganizationRequest;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.Organization;
import dev.roster.server.AuthBrake;
import dev.roster.server.AuthInterceptor;
import dev.roster.server.ClientAddress;
import dev.roster.server.DeadlineInterceptor;
import dev.roster.server.ErrorInterceptor;
import dev.roster.server.RateLimiter;
import dev.roster.testing.Await;
import dev.roster.testing.TempDirs;
import dev.roster.testing.Fixtures;
import dev.roster.testing.GrpcErrors.Failure;
import dev.roster.testing.MutableClock;
import dev.roster.testing.TestDatabase;
import dev.roster.testing.TestServer;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * WaitOperation as an asynchronous wait: the handler with the real interceptors on an in-process
 * server whose call threads and wait scheduler the test can see, and a clock the test moves. No
 * worker runs here, so an export stays pending until the test runs its job.
 */
class WaitOperationTest {
  private static final int CALL_THREADS = 2;

  private final Jdbi jdbi = TestDatabase.database().jdbi();
  private final MutableClock clock = MutableClock.startingNow();
  private final Accounts accounts = new Accounts(jdbi, clock);
  private final WaitScheduler waits = new WaitScheduler();
  private final ThreadPoolExecutor callThreads =
      (ThreadPoolExecutor) Executors.newFixedThreadPool(CALL_THREADS);
  private final ExecutorService callbacks = Executors.newCachedThreadPool();
  private Server server;
  private ManagedChannel channel;
  private UUID organizationId;

  /** Remembers which scheduled tasks are WaitOperation re-checks, to count and find them. */
  private static final class WaitScheduler extends ScheduledThreadPoolExecutor {
    final Set<Runnable> waitsSeen = ConcurrentHashMap.newKeySet();
    final Map<RunnableScheduledFuture<?>, Runnable> tasks = new ConcurrentHashMap<>();

    WaitScheduler() {
      super(2);
      setRemoveOnCancelPolicy(true);
    }

    @Override
    protected <V> RunnableScheduledFuture<V> decorateTask(Runnable runnable,
        RunnableScheduledFuture<V> task) {
      if (runnable instanceof OperationWait) {
        waitsSeen.add(runnable);
        tasks.put(task, runnable);
      }
      return task;
    }

    /** Re-checks scheduled and not yet run. */
    long pending() {
      return getQueue().stream().filter(f -> tasks.containsKey(f)).count();
    }
  }

  @BeforeEach
  void start() throws Exception {
    Access access = new Access(jdbi, accounts, clock, Duration.ofSeconds(5));
    access.ensureBootstrapAdminKey(TestServer.ADMIN_KEY);
    PageTokens pageTokens =
        new PageTokens(SigningKeys.fromDatabase(jdbi, clock), clock, Duration.ofHours(1));
    LongSupplier nanoTime = () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
    String name = "wait-operation-" + UUID.randomUUID();
    server = InProcessServerBuilder.forName(name).executor(callThreads)
        .addService(ServerInterceptors.intercept(
            new OperationsHandler(accounts, pageTokens, waits, nanoTime),
            new AuthInterceptor(new AuthBrake(access, new AuthBrake.Limits(20, 5, 50, 10), clock),
                new ClientAddress(List.of()),
                new RateLimiter(new RateLimit(1_000_000, 1_000_000), clock)),
            new DeadlineInterceptor(Duration.ofMinutes(5)),
            new ErrorInterceptor()))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    organizationId = accounts.createOrganization(
        new NewOrganization(Fixtures.slug("wait"), ""), Optional.empty()).id();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    waits.shutdownNow();
    callThreads.shutdownNow();
    callbacks.shutdownNow();
  }

  private OperationsGrpc.OperationsStub async() {
    return OperationsGrpc.newStub(channel).withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
        .withDeadlineAfter(5, TimeUnit.MINUTES).withExecutor(callbacks);
  }

  private OperationsGrpc.OperationsBlockingStub blocking() {
    return OperationsGrpc.newBlockingStub(channel)
        .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private ExportOperation startExport() {
    return accounts.exportUsers(organizationId, "");
  }

  private static String name(ExportOperation op) {
    return "organizations/" + op.organizationId() + "/operations/" + op.id();
  }

  private static WaitOperationRequest waitFor(ExportOperation op, long timeoutSeconds) {
    return WaitOperationRequest.newBuilder().setName(name(op))
        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(timeoutSeconds)).build();
  }

  /** Starts a WaitOperation call; the future completes with its answer or its error. */
  private CompletableFuture<Operation> startWait(WaitOperationRequest request) {
    CompletableFuture<Operation> answer = new CompletableFuture<>();
    async().waitOperation(request, observer(answer));
    return answer;
  }

  private static StreamObserver<Operation> observer(CompletableFuture<Operation> answer) {
    return new StreamObserver<>() {
      @Override
      public void onNext(Operation value) {
        answer.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        answer.completeExceptionally(new AssertionError("completed without an answer"));
      }
    };
  }

  /** The call's answer, or the status it failed with thrown as such. */
  private static Operation answerOf(CompletableFuture<Operation> answer) throws Exception {
    try {
      return answer.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException status) {
        throw status;
      }
      throw e;
    }
  }

  /** Waits until {@code n} calls have returned from the handler and left a re-check behind. */
  private void awaitWaiting(int n) {
    Await.until(n + " waits scheduled", () -> waits.waitsSeen.size() >= n);
  }

  private void runExportJob(ExportOperation op) throws Exception {
    Job job = new JobQueue(jdbi).get(op.jobId().orElseThrow()).orElseThrow();
    Path dir = TempDirs.create("roster-wait-test-");
    accounts.jobHandlers(new EmlFileMailer(dir, "roster@example.com"), 1000, dir).get(job.kind())
        .perform(job);
  }

  @Test
  void waitOperation_exportFinishesWhileWaiting_answersDoneWithTheResult() throws Exception {
    ExportOperation op = startExport();
    CompletableFuture<Operation> answer = startWait(waitFor(op, 60));
    awaitWaiting(1);
    assertThat(answer).as("still waiting: the export has not run").isNotDone();

    runExportJob(op);

    Operation done = answerOf(answer);
    assertThat(done.getName()).isEqualTo(name(op));
    assertThat(done.getDone()).isTrue();
    assertThat(done.getResponse().unpack(ExportUsersResponse.class).getUserCount()).isZero();
  }

  @Test
  void waitOperation_timeoutPasses_answersNotDone() throws Exception {
    ExportOperation op = startExport();
    CompletableFuture<Operation> answer = startWait(waitFor(op, 30));
    awaitWaiting(1);

    clock.advance(Duration.ofSeconds(29));
    // Several re-checks at 29 s: none of them answers before the timeout.
    long checked = waits.getCompletedTaskCount();
    Await.until("two more re-checks", () -> waits.getCompletedTaskCount() >= checked + 2);
    assertThat(answer).isNotDone();

    clock.advance(Duration.ofSeconds(1));
    Operation timedOut = answerOf(answer);
    assertThat(timedOut.getName()).isEqualTo(name(op));
    assertThat(timedOut.getDone()).isFalse();
    Await.until("no re-check left", () -> waits.pending() == 0);
  }

  @Test
  void waitOperation_zeroTimeout_checksOnceOnTheCallThread() {
    ExportOperation op = startExport();

    Operation once = blocking().waitOperation(waitFor(op, 0));

    assertThat(once.getDone()).isFalse();
    assertThat(waits.waitsSeen).as("nothing scheduled").isEmpty();
  }

  @Test
  void waitOperation_callCancelled_stopsRechecking() throws Exception {
    ExportOperation op = startExport();
    CompletableFuture<Operation> answer = new CompletableFuture<>();
    Context.CancellableContext call = Context.current().withCancellation();
    call.run(() -> async().waitOperation(waitFor(op, 60), observer(answer)));
    Await.until("a re-check queued", () -> waits.pending() >= 1);

    call.cancel(null);

    Await.until("the re-checks to stop", () -> waits.pending() == 0 && waits.getActiveCount() == 0);
    assertThat(failure(() -> answerOf(answer)).code()).isEqualTo(Code.CANCELLED);
    // With nothing pending and nothing running, nothing can schedule another re-check.
    assertThat(waits.pending()).isZero();
  }

  @Test
  void waitOperation_operationGoneWhileWaiting_failsWithTheTranslatedStatus() throws Exception {
    ExportOperation op = startExport();
    CompletableFuture<Operation> answer = startWait(waitFor(op, 60));
    awaitWaiting(1);

    jdbi.useHandle(h -> h.execute("delete from operations where id = ?", op.id()));

    Failure gone = failure(() -> answerOf(answer)).is(Code.NOT_FOUND, "OPERATION_NOT_FOUND");
    assertThat(gone.errorInfo().getDomain()).isEqualTo("roster.dev");
  }

  @Test
  void waitOperation_100Waiting_holdNoCallThread() throws Exception {
    ExportOperation op = startExport();
    List<Context.CancellableContext> calls = new ArrayList<>();
    List<CompletableFuture<Operation>> answers = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Context.CancellableContext call = Context.current().withCancellation();
      CompletableFuture<Operation> answer = new CompletableFuture<>();
      call.run(() -> async().waitOperation(waitFor(op, 60), observer(answer)));
      calls.add(call);
      answers.add(answer);
    }

    // Every one of the 100 handler calls has returned, on 2 call threads, leaving a re-check.
    awaitWaiting(100);
    Await.until("call threads idle", () -> callThreads.getActiveCount() == 0);
    assertThat(answers).noneMatch(CompletableFuture::isDone);
    // ... so another call is answered meanwhile.
    assertThat(blocking().getOperation(GetOperationRequest.newBuilder().setName(name(op)).build())
        .getName()).isEqualTo(name(op));

    calls.forEach(call -> call.cancel(null));
    Await.until("the re-checks to stop", () -> waits.pending() == 0 && waits.getActiveCount() == 0);
  }

  /** The same through the composition root: RosterServer's own scheduler, 2 call threads. */
  @Test
  void waitOperation_100WaitingOnRosterServer_anotherCallIsAnswered() throws Exception {
    try (TestServer roster = TestServer.builder()
        .env(Map.of("ROSTER_ROLE", "api", "ROSTER_CALL_THREADS", Integer.toString(CALL_THREADS),
            // 100 calls arrive at once on 2 threads: let them queue rather than be shed.
            "ROSTER_CALL_QUEUE", "1000"))
        .inProcess().start()) {
      var org = roster.accounts().createOrganization(CreateOrganizationRequest.newBuilder()
          .setOrganization(Organization.newBuilder().setSlug(Fixtures.slug("waits"))).build());
      Operation export = roster.accounts().exportUsers(
          ExportUsersRequest.newBuilder().setParent(org.getName()).build());
      var operations = OperationsGrpc.newStub(roster.channel())
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
          .withDeadlineAfter(5, TimeUnit.MINUTES).withExecutor(callbacks);
      List<Context.CancellableContext> calls = new ArrayList<>();
      List<CompletableFuture<Operation>> answers = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        Context.CancellableContext call = Context.current().withCancellation();
        CompletableFuture<Operation> answer = new CompletableFuture<>();
        call.run(() -> operations.waitOperation(WaitOperationRequest.newBuilder()
            .setName(export.getName()).build(), observer(answer)));
        calls.add(call);
        answers.add(answer);
      }

      // Had the waits held call threads, this would queue behind them until its deadline.
      Operation read = OperationsGrpc.newBlockingStub(roster.channel())
          .withCallCredentials(TestServer.bearer(TestServer.ADMIN_KEY))
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .getOperation(GetOperationRequest.newBuilder().setName(export.getName()).build());
      assertThat(read.getDone()).isFalse();
      assertThat(answers).noneMatch(CompletableFuture::isDone);
      calls.forEach(call -> call.cancel(null));
    }
  }

  @Test
  void waitOperation_otherTenant_refusedBeforeAnyRead() {
    ExportOperation op = startExport();
    UUID otherOrg = accounts.createOrganization(
        new NewOrganization(Fixtures.slug("other"), ""), Optional.empty()).id();
    String otherKey = new Access(jdbi, accounts, clock, Duration.ofSeconds(5))
        .createKey(new dev.roster.access.NewApiKey(otherOrg, "reader",
            java.util.EnumSet.of(dev.roster.access.Scope.ACCOUNTS_READ), Optional.empty(),
            Optional.empty()))
        .secret();
    var foreign = OperationsGrpc.newBlockingStub(channel)
        .withCallCredentials(TestServer.bearer(otherKey)).withDeadlineAfter(30, TimeUnit.SECONDS);

    failure(() -> foreign.waitOperation(waitFor(op, 60))).is(Code.PERMISSION_DENIED, "TENANT_FORBIDDEN");
    assertThat(waits.waitsSeen).isEmpty();
  }
}
