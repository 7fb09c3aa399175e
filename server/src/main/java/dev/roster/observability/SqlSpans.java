package dev.roster.observability;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.sql.PreparedStatement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;

/**
 * A span per SQL statement, child of the current span, when that span is recording. Jdbi's own
 * extension point (a statement customizer) rather than a wrapped DataSource: it sees the statement
 * Jdbi parsed (named parameters already turned into {@code ?}, so no bound value can reach a span)
 * and costs one {@code isRecording()} check when there is nothing to record.
 *
 * <p>The span is named {@code "<OPERATION> <table>"} (semantic conventions for database spans),
 * carries the parameterised text as {@code db.query.text}, and ends when the statement has
 * executed, or, if executing failed, when Jdbi cleans the statement up (then with an error status).
 */
final class SqlSpans implements StatementCustomizer {
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("db.system.name");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("db.operation.name");
  static final AttributeKey<String> COLLECTION = AttributeKey.stringKey("db.collection.name");
  static final AttributeKey<String> QUERY_TEXT = AttributeKey.stringKey("db.query.text");
  static final AttributeKey<String> POOL = AttributeKey.stringKey("db.client.connection.pool.name");
  private static final String SPAN = SqlSpans.class.getName() + ".span";
  private static final int MAX_TEXT = 4096;

  private static final Pattern OPERATION_WORD = Pattern.compile("^\\s*(?:--[^\\n]*\\n\\s*)*([a-zA-Z]+)");
  private static final Pattern TABLE = Pattern.compile(
      "\\b(?:from|into|update|join)\\s+(?:only\\s+)?([a-zA-Z_][a-zA-Z0-9_.]*)",
      Pattern.CASE_INSENSITIVE);

  /**
   * Names by SQL text: the statements come from the code, so there are few, and the regular
   * expressions then run once per statement text instead of once per execution. Bounded anyway.
   */
  private static final Cache<String, Name> NAMES = Caffeine.newBuilder().maximumSize(2_000).build();

  private final Tracer tracer;
  private final String pool;

  SqlSpans(Tracer tracer, String pool) {
    this.tracer = tracer;
    this.pool = pool;
  }

  @Override
  public void beforeExecution(PreparedStatement statement, StatementContext ctx) {
    if (!Span.current().isRecording()) {
      return;
    }
    String sql = ctx.getParsedSql() != null ? ctx.getParsedSql().getSql() : ctx.getRenderedSql();
    Name name = NAMES.get(sql, SqlSpans::name);
    Span span = tracer.spanBuilder(name.span())
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute(SYSTEM, "postgresql")
        .setAttribute(OPERATION, name.operation())
        .setAttribute(QUERY_TEXT, sql.length() <= MAX_TEXT ? sql : sql.substring(0, MAX_TEXT))
        .setAttribute(POOL, pool)
        .startSpan();
    if (name.table() != null) {
      span.setAttribute(COLLECTION, name.table());
    }
    Ending ending = new Ending(span);
    ctx.define(SPAN, ending);
    // Runs when the statement is closed; a statement that executed has ended its span already.
    ctx.addCleanable(() -> ending.end(true));
  }

  @Override
  public void afterExecution(PreparedStatement statement, StatementContext ctx) {
    if (ctx.getAttribute(SPAN) instanceof Ending ending) {
      ending.end(false);
    }
  }

  /** Ends the span once, whichever of "executed" and "cleaned up" comes first. */
  private static final class Ending extends AtomicBoolean {
    private final transient Span span;

    Ending(Span span) {
      this.span = span;
    }

    void end(boolean failed) {
      if (compareAndSet(false, true)) {
        if (failed) {
          span.setStatus(StatusCode.ERROR, "the statement failed");
        }
        span.end();
      }
    }
  }

  record Name(String operation, String table) {
    String span() {
      return table == null ? operation : operation + " " + table;
    }
  }

  /**
   * The statement's operation (its first keyword; for {@code WITH}, the keyword of the main
   * statement is not sought) and the first table it names, from the SQL text only: a name, never
   * a value.
   */
  static Name name(String sql) {
    Matcher op = OPERATION_WORD.matcher(sql);
    String operation = op.find() ? op.group(1).toUpperCase(Locale.ROOT) : "SQL";
    Matcher table = TABLE.matcher(sql);
    String name = null;
    while (table.find()) {
      String candidate = table.group(1);
      // "from (select ...)" and function calls are not tables; "select ... from jobs" is.
      if (!candidate.equalsIgnoreCase("select") && !candidate.equalsIgnoreCase("lateral")) {
        name = candidate.toLowerCase(Locale.ROOT);
        break;
      }
    }
    return new Name(operation, name);
  }
}
