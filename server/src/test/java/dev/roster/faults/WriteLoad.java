package dev.roster.faults;

import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.CreateUserRequest;
import dev.roster.proto.accounts.v1.User;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writers as a careful client writes: each of {@code writers} threads sends CreateUser with a unique
 * email and a fresh {@code request_id}, and on UNAVAILABLE or DEADLINE_EXCEEDED sends the SAME
 * request again (same request_id) after 100-200 ms, until it is acknowledged; only then does it
 * move on to a new user. Any other error ends that request (it is recorded as rejected). Every
 * answer goes to {@link #answers()}, every acknowledged user to {@link #acknowledged()}.
 */
final class WriteLoad implements AutoCloseable {
  private static final AtomicLong SEQUENCE = new AtomicLong(System.nanoTime() % 1_000_000);

  /** A request a writer sends, identical on every retry. */
  record Request(String requestId, String handle, String email, String displayName) {
    CreateUserRequest proto(String parent) {
      return CreateUserRequest.newBuilder().setParent(parent).setRequestId(requestId)
          .setUser(User.newBuilder().setHandle(handle).setEmail(email).setDisplayName(displayName))
          .build();
    }
  }

  /** An acknowledged request: the user the server returned, and how many sends it took. */
  record Acknowledged(Request request, String name, int attempts) {}

  private final AccountsServiceGrpc.AccountsServiceBlockingStub stub;
  private final String parent;
  private final Duration deadline;
  private final Answers answers = new Answers();
  private final Map<String, Acknowledged> acknowledged = new ConcurrentHashMap<>();
  private final Map<String, Request> inDoubt = new ConcurrentHashMap<>();
  private final Map<Request, Status.Code> rejected = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopNew;
  private volatile boolean abandon;

  /**
   * @param parent {@code organizations/{uuid}} the users are created in
   * @param deadline each attempt's deadline
   */
  WriteLoad(Channel channel, CallCredentials credentials, String parent, int writers,
      Duration deadline, String label) {
    this.stub = AccountsServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
    this.parent = parent;
    this.deadline = deadline;
    for (int i = 0; i < writers; i++) {
      Thread t = new Thread(this::write, "fault-writer-" + label + "-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  WriteLoad start() {
    threads.forEach(Thread::start);
    return this;
  }

  private void write() {
    while (!stopNew && !abandon) {
      long n = SEQUENCE.incrementAndGet();
      String handle = "fw-" + Long.toString(n, 36) + "-"
          + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
      Request request = new Request(UUID.randomUUID().toString(), handle, handle + "@example.com",
          "Fault writer " + n);
      inDoubt.put(request.requestId(), request);
      int attempts = 0;
      while (!abandon) {
        attempts++;
        long start = System.nanoTime();
        try {
          User user = stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
              .createUser(request.proto(parent));
          answers.ok(start);
          acknowledged.put(request.requestId(), new Acknowledged(request, user.getName(), attempts));
          inDoubt.remove(request.requestId());
          break;
        } catch (StatusRuntimeException e) {
          if (abandon && e.getStatus().getCode() == Status.Code.CANCELLED) {
            return;
          }
          answers.failed(start, e);
          Status.Code code = e.getStatus().getCode();
          if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
            rejected.put(request, code);
            inDoubt.remove(request.requestId());
            break;
          }
          if (!pause(100 + ThreadLocalRandom.current().nextInt(101))) {
            return;
          }
        }
      }
    }
  }

  private boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  Answers answers() {
    return answers;
  }

  /** Acknowledged requests by request_id. */
  Map<String, Acknowledged> acknowledged() {
    return Map.copyOf(acknowledged);
  }

  int acknowledgedCount() {
    return acknowledged.size();
  }

  /** Requests sent but neither acknowledged nor rejected (still being retried, or abandoned). */
  List<Request> inDoubt() {
    return List.copyOf(inDoubt.values());
  }

  /** Requests that ended with an error other than UNAVAILABLE/DEADLINE_EXCEEDED, and that error. */
  Map<Request, Status.Code> rejected() {
    return Map.copyOf(rejected);
  }

  /**
   * Starts no new request, lets each writer retry its current one until acknowledged for at most
   * {@code bound}, then abandons what is left; returns whether every writer finished in time.
   */
  boolean drain(Duration bound) throws InterruptedException {
    stopNew = true;
    long end = System.nanoTime() + bound.toNanos();
    boolean finished = true;
    for (Thread t : threads) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      finished &= !t.isAlive();
    }
    close();
    return finished;
  }

  /** Abandons every request in flight and stops the writers. */
  @Override
  public void close() throws InterruptedException {
    stopNew = true;
    abandon = true;
    for (Thread t : threads) {
      t.interrupt();
      t.join(10_000);
    }
  }
}
