package dev.roster.jobs;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The spans of the queue, after OpenTelemetry's messaging conventions: a producer span where a job
 * is enqueued (a child of the enqueuing call's span), whose W3C {@code traceparent} is stored with
 * the job; and a consumer span per attempt, the root of a trace of its own (a job can run long
 * after, and many times), linked to the stored context.
 */
final class JobSpans {
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> QUEUE = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<String> KIND = AttributeKey.stringKey("roster.job.kind");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("roster.job.attempt");
  private static final String TRACEPARENT = "traceparent";
  private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  /** The tracer of a queue that was given none: spans cost nothing and go nowhere. */
  static final Tracer NO_TRACER = TracerProvider.noop().get("dev.roster.jobs");

  private JobSpans() {}

  /**
   * Starts the producer span of an enqueue, a child of the current span; with no valid current
   * span (cron, untraced callers) the span is a no-op, and nothing is stored.
   */
  static Span enqueue(Tracer tracer, JobRequest request) {
    if (!Span.current().getSpanContext().isValid()) {
      return Span.getInvalid();
    }
    return tracer.spanBuilder("send " + request.queue())
        .setSpanKind(SpanKind.PRODUCER)
        .setAttribute(SYSTEM, "roster.jobs")
        .setAttribute(OPERATION, "send")
        .setAttribute(QUEUE, request.queue())
        .setAttribute(KIND, request.kind())
        .startSpan();
  }

  /**
   * The W3C traceparent of {@code span} if it is valid, else of the current span if that is
   * (a no-op tracer's enqueue span is invalid, but the caller's context is still worth keeping).
   */
  static String traceParent(Span span) {
    SpanContext context = span.getSpanContext().isValid()
        ? span.getSpanContext() : Span.current().getSpanContext();
    if (!context.isValid()) {
      return null;
    }
    Map<String, String> carrier = new HashMap<>();
    W3CTraceContextPropagator.getInstance().inject(
        Context.root().with(Span.wrap(context)), carrier, Map::put);
    return carrier.get(TRACEPARENT);
  }

  /**
   * Starts the consumer span of one attempt of {@code job}: a new trace, named after the job's
   * kind, linked to the context stored at enqueue (if any and well-formed).
   */
  static Span process(Tracer tracer, Job job) {
    var builder = tracer.spanBuilder("process " + job.kind())
        .setNoParent()
        .setSpanKind(SpanKind.CONSUMER)
        .setAttribute(SYSTEM, "roster.jobs")
        .setAttribute(OPERATION, "process")
        .setAttribute(QUEUE, job.queue())
        .setAttribute(KIND, job.kind())
        .setAttribute(JOB_ID, job.id().toString())
        .setAttribute(ATTEMPT, (long) job.attempt());
    stored(job).ifPresent(builder::addLink);
    return builder.startSpan();
  }

  /** The span context stored with {@code job} at enqueue, if there is one and it parses. */
  static Optional<SpanContext> stored(Job job) {
    return job.traceParent().map(tp -> Span.fromContext(W3CTraceContextPropagator.getInstance()
            .extract(Context.root(), Map.of(TRACEPARENT, tp), MAP_GETTER)).getSpanContext())
        .filter(SpanContext::isValid);
  }
}
