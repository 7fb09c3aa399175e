package dev.roster.fairness;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What an attacker got back, sorted into clean answers and unclean ones. Clean is OK, or a refusal
 * whose code the scenario expects that carries a {@code google.rpc.ErrorInfo} of domain
 * {@code roster.dev}, plus a {@code RetryInfo} when it is RESOURCE_EXHAUSTED or UNAVAILABLE (the
 * client is told when to come back). Anything else (UNKNOWN, INTERNAL, DEADLINE_EXCEEDED, a
 * refusal without details) is unclean. Calls the harness itself cancels when an attack stops are
 * not counted.
 */
public final class AttackOutcomes {
  private static final Set<Status.Code> NEEDS_RETRY_INFO =
      EnumSet.of(Status.Code.RESOURCE_EXHAUSTED, Status.Code.UNAVAILABLE);
  private static final int KEPT = 5;

  private final Set<Status.Code> allowed;
  private final Map<Status.Code, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> unclean = new ConcurrentLinkedQueue<>();
  private final AtomicInteger uncleanCount = new AtomicInteger();
  private volatile boolean stopping;

  /**
   * @param refusals the refusal codes this attack may meet besides RESOURCE_EXHAUSTED, UNAVAILABLE
   *     and FAILED_PRECONDITION (e.g. UNAUTHENTICATED for made-up keys)
   */
  public AttackOutcomes(Status.Code... refusals) {
    EnumSet<Status.Code> codes = EnumSet.of(Status.Code.RESOURCE_EXHAUSTED,
        Status.Code.UNAVAILABLE, Status.Code.FAILED_PRECONDITION);
    codes.addAll(List.of(refusals));
    this.allowed = Collections.unmodifiableSet(codes);
  }

  /** From now on, CANCELLED is the harness stopping the attack, not an answer of the server. */
  void stopping() {
    stopping = true;
  }

  void ok() {
    counts.computeIfAbsent(Status.Code.OK, c -> new AtomicInteger()).incrementAndGet();
  }

  void failed(Throwable t) {
    Status status = Status.fromThrowable(t);
    // Cancelling a future stub's call fails it with CancellationException (UNKNOWN to fromThrowable).
    if (stopping && (status.getCode() == Status.Code.CANCELLED
        || t instanceof java.util.concurrent.CancellationException)) {
      return;
    }
    counts.computeIfAbsent(status.getCode(), c -> new AtomicInteger()).incrementAndGet();
    String problem = problem(status, StatusProto.fromThrowable(t));
    if (problem != null && uncleanCount.incrementAndGet() <= KEPT) {
      unclean.add(problem + ": " + status);
    }
  }

  private String problem(Status status, com.google.rpc.Status details) {
    if (!allowed.contains(status.getCode())) {
      return "code " + status.getCode() + " is not a clean refusal";
    }
    List<Any> anys = details == null ? List.of() : details.getDetailsList();
    boolean errorInfo = anys.stream().anyMatch(a -> a.is(ErrorInfo.class) && domain(a));
    if (!errorInfo) {
      return "no ErrorInfo of domain roster.dev";
    }
    if (NEEDS_RETRY_INFO.contains(status.getCode()) && anys.stream().noneMatch(a -> a.is(RetryInfo.class))) {
      return "no RetryInfo";
    }
    return null;
  }

  private static boolean domain(Any any) {
    try {
      return any.unpack(ErrorInfo.class).getDomain().equals("roster.dev");
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return false;
    }
  }

  /** Answers by status code (OK included). */
  public Map<Status.Code, Integer> counts() {
    Map<Status.Code, Integer> out = new EnumMap<>(Status.Code.class);
    counts.forEach((code, n) -> out.put(code, n.get()));
    return out;
  }

  /** How many answers were not clean. */
  public int uncleanCount() {
    return uncleanCount.get();
  }

  /** The first few unclean answers, described. */
  public List<String> uncleanExamples() {
    return List.copyOf(unclean);
  }

  @Override
  public String toString() {
    return counts() + (uncleanCount() == 0 ? "" : ", " + uncleanCount() + " unclean " + unclean);
  }
}
