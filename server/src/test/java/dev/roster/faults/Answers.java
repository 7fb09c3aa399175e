package dev.roster.faults;

import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * Every answer one load driver got, with when its call started and ended ({@link System#nanoTime}),
 * its status code and, for errors the server built, the ErrorInfo reason and whether a RetryInfo
 * came with it (an error the client library made, such as a refused TCP connection, has neither).
 */
final class Answers {
  /** One answered call. */
  record Answer(long start, long end, Status.Code code, String reason, boolean retryInfo,
      String description) {
    long millis() {
      return (end - start) / 1_000_000;
    }

    boolean ok() {
      return code == Status.Code.OK;
    }

    /**
     * An error the client library made because the connection closed under the call (grpc-java
     * reports a write to a connection the peer has just reset as UNKNOWN "channel closed", cause
     * ClosedChannelException): no answer from the server at all.
     */
    boolean connectionClosedUnderIt() {
      return code == Status.Code.UNKNOWN && reason.isEmpty()
          && description.contains("java.nio.channels.ClosedChannelException");
    }

    /** Whether the call was in flight at some moment of [{@code from}, {@code to}]. */
    boolean inFlightDuring(long from, long to) {
      return start <= to && end >= from;
    }
  }

  private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();

  void ok(long start) {
    answers.add(new Answer(start, System.nanoTime(), Status.Code.OK, "", false, ""));
  }

  void failed(long start, Throwable t) {
    long end = System.nanoTime();
    Status status = Status.fromThrowable(t);
    com.google.rpc.Status details = StatusProto.fromThrowable(t);
    String reason = "";
    boolean retryInfo = false;
    if (details != null) {
      for (var any : details.getDetailsList()) {
        try {
          if (any.is(ErrorInfo.class)) {
            reason = any.unpack(ErrorInfo.class).getReason();
          } else if (any.is(RetryInfo.class)) {
            retryInfo = true;
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          reason = "UNREADABLE_DETAILS";
        }
      }
    }
    String description = status.getDescription() == null ? "" : status.getDescription();
    if (status.getCause() != null) {
      description += " (cause " + status.getCause() + ")";
    }
    answers.add(new Answer(start, end, status.getCode(), reason, retryInfo, description));
  }

  /** All answers, in order of the calls' start. */
  List<Answer> all() {
    List<Answer> list = new ArrayList<>(answers);
    list.sort(Comparator.comparingLong(Answer::start));
    return list;
  }

  /** Answers of calls started in [from, to). */
  List<Answer> startedBetween(long from, long to) {
    return all().stream().filter(a -> a.start() >= from && a.start() < to).toList();
  }

  /** Answers of calls that were running at some moment of [from, to]. */
  List<Answer> overlapping(long from, long to) {
    return all().stream().filter(a -> a.end() >= from && a.start() <= to).toList();
  }

  /** End of the first successful call started at or after {@code from}. */
  OptionalLong firstOkStartedAfter(long from) {
    return all().stream().filter(a -> a.ok() && a.start() >= from)
        .mapToLong(Answer::end).min();
  }

  static Map<Status.Code, Integer> counts(List<Answer> answers) {
    Map<Status.Code, Integer> counts = new EnumMap<>(Status.Code.class);
    answers.forEach(a -> counts.merge(a.code(), 1, Integer::sum));
    return counts;
  }

  /** Codes with their ErrorInfo reasons, e.g. {@code UNAVAILABLE/DATABASE_UNAVAILABLE+retry=12}. */
  static Map<String, Integer> detailedCounts(List<Answer> answers) {
    Map<String, Integer> counts = new java.util.TreeMap<>();
    answers.stream().filter(a -> !a.ok()).forEach(a -> counts.merge(a.code()
        + (a.reason().isEmpty() ? "" : "/" + a.reason()) + (a.retryInfo() ? "+retry" : ""), 1,
        Integer::sum));
    return counts;
  }

  static List<Answer> where(List<Answer> answers, Predicate<Answer> predicate) {
    return answers.stream().filter(predicate).toList();
  }

  static long maxMillis(List<Answer> answers) {
    return answers.stream().mapToLong(Answer::millis).max().orElse(0);
  }

  static long p99Millis(List<Answer> answers) {
    long[] sorted = answers.stream().mapToLong(Answer::millis).sorted().toArray();
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.max(0, (int) Math.ceil(0.99 * sorted.length) - 1)];
  }
}
