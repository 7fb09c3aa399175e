package dev.roster.server;

import static net.logstash.logback.argument.StructuredArguments.kv;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.roster.access.Principal;
import io.github.bucket4j.Bucket;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * The log side of every call. While the call's listener callbacks (and its interceptors' start)
 * run, the MDC holds {@value #TRACE_ID}, {@value #SPAN_ID}, {@value #METHOD} and, once
 * authenticated, {@value #ORGANIZATION}; it is cleared after each callback, so nothing leaks to the
 * next call on the thread. And each call that ends with a non-OK status gets one line (logger
 * {@code dev.roster.server.CallLogging}): method, code, {@code ErrorInfo} reason, duration,
 * organization and incident id when known, and the trace id, in text and JSON alike.
 *
 * <p>Failed-call lines are budgeted per (method, code, reason): {@value #LINES_PER_SECOND} a
 * second, refilled continuously; the lines over budget are counted, and the next line of that kind
 * the budget allows is preceded by one "suppressed K similar" line. A tenant flooding refused calls
 * thus costs a few lines a second and a counter add per call; the metrics count every call.
 * Logging never blocks the closing thread (often a Netty event loop for refusals): logback.xml puts
 * an asynchronous appender that never blocks in front of stdout.
 *
 * <p>The trace id is the current OpenTelemetry span's when one is valid (a tracing interceptor
 * installed outside this one), else the caller's W3C {@code traceparent}. Install it outermost, so
 * that it sees the refusals of every other interceptor.
 */
public final class CallLogging implements ServerInterceptor {
  static final String TRACE_ID = "trace_id";
  static final String SPAN_ID = "span_id";
  static final String METHOD = "method";
  static final String ORGANIZATION = "organization";
  static final String INCIDENT_ID = "incident_id";
  /** Failed-call lines per second of one (method, code, reason); also the burst. */
  static final int LINES_PER_SECOND = 10;
  /** Kinds with a budget of their own; beyond, all share one (a bug would have to mint reasons). */
  private static final int MAX_KINDS = 2048;

  private static final Logger log = LoggerFactory.getLogger(CallLogging.class);
  private static final Set<Status.Code> WARN_CODES =
      EnumSet.of(Status.Code.INTERNAL, Status.Code.UNKNOWN, Status.Code.DATA_LOSS);
  private static final Pattern REASON = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  private static final Pattern INCIDENT = Pattern.compile("[0-9a-fA-F-]{1,64}");
  private static final Context.Key<CallRecord> RECORD = Context.key("roster-call-log");
  private static final TextMapGetter<Metadata> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Metadata carrier) {
      return carrier.keys();
    }

    @Override
    public String get(Metadata carrier, String key) {
      if (carrier == null || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        return null;
      }
      return carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  private final TokenBuckets buckets;
  private final LongSupplier nanoTime;
  private final Map<Kind, Budget> budgets = new ConcurrentHashMap<>();
  private final Budget overflow;

  /**
   * Budgets lines on {@code clock} (tests move it) and times calls with {@code nanoTime}.
   */
  public CallLogging(Clock clock, LongSupplier nanoTime) {
    this.buckets = new TokenBuckets(clock);
    this.nanoTime = nanoTime;
    this.overflow = new Budget(buckets.bucket(LINES_PER_SECOND, LINES_PER_SECOND));
  }

  /**
   * Records the authenticated caller's organization for the current call's log lines (none for a
   * platform admin); {@link AuthInterceptor} calls it.
   */
  static void authenticated(Principal principal) {
    CallRecord record = RECORD.get();
    if (record != null && principal.organizationId().isPresent()) {
      record.organization = principal.organizationId().get().toString();
      MDC.put(ORGANIZATION, record.organization);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    CallRecord record = new CallRecord(call.getMethodDescriptor().getFullMethodName(),
        callerTrace(headers), nanoTime.getAsLong());
    ServerCall<Q, R> logged = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        // Before the status leaves, so that a caller that has its answer finds the line logged.
        if (record.end() && !status.isOk()) {
          failed(record, status, trailers);
        }
        super.close(status, trailers);
      }
    };
    Context context = Context.current().withValue(RECORD, record);
    return Contexts.interceptCall(context, logged, headers, (c, h) -> {
      record.enter();
      try {
        return new InMdc<>(next.startCall(c, h), record);
      } finally {
        MDC.clear();
      }
    });
  }

  /** Sets the call's MDC around each callback, and notes a call its deadline cancelled. */
  private final class InMdc<Q> extends SimpleForwardingServerCallListener<Q> {
    private final CallRecord record;

    InMdc(ServerCall.Listener<Q> delegate, CallRecord record) {
      super(delegate);
      this.record = record;
    }

    @Override
    public void onMessage(Q message) {
      record.enter();
      try {
        super.onMessage(message);
      } finally {
        MDC.clear();
      }
    }

    @Override
    public void onHalfClose() {
      record.enter();
      try {
        super.onHalfClose();
      } finally {
        MDC.clear();
      }
    }

    @Override
    public void onReady() {
      record.enter();
      try {
        super.onReady();
      } finally {
        MDC.clear();
      }
    }

    @Override
    public void onComplete() {
      record.enter();
      try {
        super.onComplete();
      } finally {
        MDC.clear();
      }
    }

    @Override
    public void onCancel() {
      // Ended by its deadline before the server closed it: the client sees DEADLINE_EXCEEDED, so
      // the log says so. A client that cancels is not a failure of the server: no line.
      Deadline deadline = Context.current().getDeadline();
      if (deadline != null && deadline.isExpired() && record.end()) {
        failed(record, Status.DEADLINE_EXCEEDED, null);
      }
      record.enter();
      try {
        super.onCancel();
      } finally {
        MDC.clear();
      }
    }
  }

  private void failed(CallRecord record, Status status, Metadata trailers) {
    Status.Code code = status.getCode();
    Details details = details(status, trailers);
    Budget budget = budget(new Kind(record.method, code, details.reason));
    if (!budget.bucket.tryConsume(1)) {
      budget.suppressed.increment();
      return;
    }
    long suppressed = budget.suppressed.sumThenReset();
    Level level = WARN_CODES.contains(code) ? Level.WARN : Level.INFO;
    long millis = TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - record.startNanos);
    Map<String, String> previous = MDC.getCopyOfContextMap();
    try {
      record.enter();
      if (details.incident != null) {
        MDC.put(INCIDENT_ID, details.incident);
      }
      if (suppressed > 0) {
        log.atLevel(level).log("suppressed {} similar failed-call lines of method={} {} {}",
            kv("suppressed", suppressed), record.method, kv("code", code.name()),
            kv("reason", details.reason));
      }
      log.atLevel(level).log("call failed method={} {} {} {}{}{}", record.method,
          kv("code", code.name()), kv("reason", details.reason), kv("duration_ms", millis),
          record.organization == null ? "" : " organization=" + record.organization,
          details.incident == null ? "" : " incident_id=" + details.incident);
    } finally {
      if (previous == null) {
        MDC.clear();
      } else {
        MDC.setContextMap(previous);
      }
    }
  }

  private Budget budget(Kind kind) {
    Budget budget = budgets.get(kind);
    if (budget != null) {
      return budget;
    }
    if (budgets.size() >= MAX_KINDS) {
      return overflow;
    }
    return budgets.computeIfAbsent(kind,
        k -> new Budget(buckets.bucket(LINES_PER_SECOND, LINES_PER_SECOND)));
  }

  /** The ErrorInfo reason ({@code NONE} without one) and the incident id of INTERNAL errors. */
  private static Details details(Status status, Metadata trailers) {
    if (trailers == null) {
      return new Details("NONE", null);
    }
    try {
      com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
      for (Any any : details.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          ErrorInfo info = any.unpack(ErrorInfo.class);
          String incident = info.getMetadataOrDefault("incident", null);
          return new Details(REASON.matcher(info.getReason()).matches() ? info.getReason() : "OTHER",
              incident != null && INCIDENT.matcher(incident).matches() ? incident : null);
        }
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return new Details("OTHER", null);
    }
    return new Details("NONE", null);
  }

  /** The caller's trace from its W3C {@code traceparent}; invalid when it sent none. */
  private static SpanContext callerTrace(Metadata headers) {
    try {
      return Span.fromContext(W3CTraceContextPropagator.getInstance().extract(
          io.opentelemetry.context.Context.root(), headers, HEADERS)).getSpanContext();
    } catch (RuntimeException e) {
      return SpanContext.getInvalid();
    }
  }

  private record Kind(String method, Status.Code code, String reason) {}

  private record Details(String reason, String incident) {}

  private static final class Budget {
    final Bucket bucket;
    final LongAdder suppressed = new LongAdder();

    Budget(Bucket bucket) {
      this.bucket = bucket;
    }
  }

  /** What the log lines of one call say about it. */
  private static final class CallRecord {
    final String method;
    final SpanContext callerTrace;
    final long startNanos;
    volatile String organization;
    private final AtomicBoolean ended = new AtomicBoolean();

    CallRecord(String method, SpanContext callerTrace, long startNanos) {
      this.method = method;
      this.callerTrace = callerTrace;
      this.startNanos = startNanos;
    }

    /** True the first time only: one line per call, even if it is closed and then cancelled. */
    boolean end() {
      return ended.compareAndSet(false, true);
    }

    /** Puts the call's fields in this thread's MDC. */
    void enter() {
      SpanContext span = Span.current().getSpanContext();
      if (span.isValid()) {
        MDC.put(TRACE_ID, span.getTraceId());
        MDC.put(SPAN_ID, span.getSpanId());
      } else if (callerTrace.isValid()) {
        MDC.put(TRACE_ID, callerTrace.getTraceId());
      }
      MDC.put(METHOD, method);
      String org = organization;
      if (org != null) {
        MDC.put(ORGANIZATION, org);
      }
    }
  }
}
