package dev.roster.jobs;

import static dev.roster.platform.db.Rows.instant;

import dev.roster.platform.db.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The SQL of the queue. Times come from the database's clock ({@code now()}), so nodes with
 * skewed clocks still agree on what is due and on who is alive. Every write that ends an attempt
 * is guarded by (node, attempt, state executing): an attempt that lost its job (rescued, timed
 * out, cancelled, released at shutdown) cannot overwrite what happened since.
 */
final class JobStore {
  private static final String FINISHED_AT = "coalesce(completed_at, discarded_at, cancelled_at)";
  private static final String WAITING = "('available', 'scheduled', 'retryable')";
  private static final String ATTEMPT_GUARD =
      " where id = :id and attempted_by = :node and attempt = :attempt and state = 'executing'";

  /**
   * The unique key: kind, SHA-256 of the canonical JSON (jsonb's text form sorts keys and drops
   * whitespace), window length, and the number of the fixed window the run-at time falls in.
   */
  private static final String UNIQUE_KEY = "case when cast(:windowMs as bigint) is null then null"
      + " else :kind || ':' || encode(sha256(convert_to(cast(cast(:args as jsonb) as text),"
      + " 'UTF8')), 'hex') || ':' || :windowMs || ':' || floor(extract(epoch from"
      + " coalesce(cast(:scheduledAt as timestamptz), now())) * 1000 / :windowMs)::bigint end";

  private JobStore() {}

  private static String columns(String prefix) {
    return List.of("id", "queue", "kind", "args", "priority", "state", "attempt", "max_attempts",
            "timeout_ms", "inserted_at", "scheduled_at", "attempted_at", "attempted_by",
            "completed_at", "discarded_at", "cancelled_at", "last_error", "unique_key",
            "trace_parent")
        .stream().map(c -> prefix + c).reduce((a, b) -> a + ", " + b).orElseThrow();
  }

  /**
   * Inserts the job on {@code h} (so in its transaction). For a unique job whose key is taken,
   * inserts nothing and returns the job holding the key; an insert racing an uncommitted one with
   * the same key waits for it to commit or roll back (read committed, PostgreSQL's default).
   */
  static Job insert(Handle h, UUID id, JobRequest r, String traceParent) {
    for (int tries = 0; ; tries++) {
      Optional<Job> inserted = h.createQuery("""
              insert into jobs (id, queue, kind, args, priority, state, max_attempts, timeout_ms,
                                inserted_at, scheduled_at, unique_key, partition_key,
                                trace_parent)
              select :id, :queue, :kind, cast(:args as jsonb), :priority,
                     case when at > now() then 'scheduled' else 'available' end,
                     :maxAttempts, :timeoutMs, now(), at, <key>, :partition, :traceParent
              from (select coalesce(cast(:scheduledAt as timestamptz), now()) as at) s
              on conflict (unique_key) where unique_key is not null do nothing
              returning <columns>"""
              .replace("<key>", UNIQUE_KEY).replace("<columns>", columns("")))
          .bind("id", id)
          .bind("queue", r.queue())
          .bind("priority", r.priority())
          .bind("maxAttempts", r.maxAttempts())
          .bind("timeoutMs", r.timeout().map(Duration::toMillis).orElse(null))
          .bind("partition", r.partition().orElse(null))
          .bind("traceParent", traceParent)
          .bindMap(keyParams(r))
          .map((rs, ctx) -> map(rs))
          .findOne();
      if (inserted.isPresent()) {
        return inserted.get();
      }
      Optional<Job> holder = h.createQuery(
              "select " + columns("") + " from jobs where unique_key = (" + UNIQUE_KEY + ")")
          .bindMap(keyParams(r))
          .map((rs, ctx) -> map(rs))
          .findOne();
      // Empty only if the holder was pruned in between: insert again.
      if (holder.isPresent() || tries == 2) {
        return holder.orElseThrow(() -> new IllegalStateException("unique key taken but not found"));
      }
    }
  }

  private static java.util.Map<String, Object> keyParams(JobRequest r) {
    var params = new java.util.HashMap<String, Object>();
    params.put("kind", r.kind());
    params.put("args", r.args());
    params.put("windowMs", r.unique().map(Duration::toMillis).orElse(null));
    params.put("scheduledAt", r.scheduledAt().map(Rows::utc).orElse(null));
    return params;
  }

  static Optional<Job> find(Handle h, UUID id) {
    return h.createQuery("select " + columns("") + " from jobs where id = :id")
        .bind("id", id)
        .map((rs, ctx) -> map(rs))
        .findOne();
  }

  /**
   * Claims up to {@code limit} due jobs of {@code queue} for {@code node}, in one statement.
   * SKIP LOCKED lets concurrent fetchers pass over each other's rows instead of waiting. The
   * claimed ids come from a materialised CTE joined on the primary key rather than from
   * {@code where id in (subquery)}: the CTE runs exactly once, and the IN form can be planned as
   * a hash semi-join over a sequential scan of the whole table (EXPLAIN showed it for the prune).
   *
   * <p>A queue with partitioned jobs waiting is claimed fairly instead (see
   * {@link JobRequest#withPartition(String)}); the check is an index probe, so queues without
   * partitions keep the plain claim, read in index order.
   */
  static List<Job> fetch(Handle h, String queue, int limit, String node) {
    boolean partitioned = h.createQuery("""
            select exists (select 1 from jobs where queue = :queue and partition_key is not null
                             and state in <waiting>)""".replace("<waiting>", WAITING))
        .bind("queue", queue).mapTo(Boolean.class).one();
    return h.createQuery((partitioned ? FAIR_CLAIM : CLAIM)
            .replace("<waiting>", WAITING).replace("<columns>", columns("j.")))
        .bind("queue", queue)
        .bind("limit", limit)
        .bind("node", node)
        .map((rs, ctx) -> map(rs))
        .list();
  }

  private static final String CLAIM = """
      with next as materialized (
        select id from jobs
        where queue = :queue and state in <waiting> and scheduled_at <= now()
        order by priority, scheduled_at, id
        limit :limit
        for update skip locked)
      update jobs j
      set state = 'executing', attempt = j.attempt + 1, attempted_at = now(),
          attempted_by = :node
      from next where j.id = next.id
      returning <columns>""";

  /**
   * The fair claim. Each due job's load is the number of jobs of its partition executing now plus
   * its rank within its partition (so claiming several at once spreads them over partitions); the
   * lowest load goes first, then priority, then the partition served least recently (a partition
   * never claimed from first), then run-at time and id. Jobs without a partition share one; its
   * last claim is found by scanning the queue's unpartitioned rows (no index), cheap while they are
   * few, as in the exports queue (one expiry job an hour). The ranking reads the queue's due jobs
   * without locking them; the lock is taken on the chosen rows only, skipping those another
   * fetcher holds.
   */
  private static final String FAIR_CLAIM = """
      with busy as materialized (
        select coalesce(partition_key, '') as p, count(*) as n from jobs
        where queue = :queue and state = 'executing'
        group by 1),
      due as materialized (
        select id, coalesce(partition_key, '') as p, priority, scheduled_at,
               row_number() over (partition by coalesce(partition_key, '')
                                  order by priority, scheduled_at, id) as rank
        from jobs
        where queue = :queue and state in <waiting> and scheduled_at <= now()),
      served as materialized (
        select d.p, case when d.p = '' then
                      (select max(s.attempted_at) from jobs s
                       where s.queue = :queue and s.partition_key is null)
                    else
                      (select max(s.attempted_at) from jobs s
                       where s.queue = :queue and s.partition_key = d.p) end as at
        from (select distinct p from due) d),
      next as materialized (
        select j.id from jobs j
        join due on due.id = j.id
        left join busy on busy.p = due.p
        left join served on served.p = due.p
        where j.state in <waiting>
        order by coalesce(busy.n, 0) + due.rank, due.priority, served.at nulls first,
                 due.scheduled_at, due.id
        limit :limit
        for update of j skip locked)
      update jobs j
      set state = 'executing', attempt = j.attempt + 1, attempted_at = now(),
          attempted_by = :node
      from next where j.id = next.id
      returning <columns>""";

  /** Jobs of {@code queue} in {@code partition} that have not finished (waiting or executing). */
  static int countUnfinished(Handle h, String queue, String partition) {
    return h.createQuery("""
            select count(*) from jobs
            where queue = :queue and partition_key = :partition
              and state in ('available', 'scheduled', 'retryable', 'executing')""")
        .bind("queue", queue).bind("partition", partition)
        .mapTo(Integer.class).one();
  }

  static boolean complete(Handle h, Job job, String node) {
    return h.createUpdate("update jobs set state = 'completed', completed_at = now()"
            + ATTEMPT_GUARD)
        .bind("id", job.id()).bind("node", node).bind("attempt", job.attempt())
        .execute() == 1;
  }

  /** Retryable after {@code backoff}, or discarded if this was the last attempt. */
  static boolean fail(Handle h, Job job, String node, String error, Duration backoff) {
    return h.createUpdate("""
            update jobs set
              state = case when attempt >= max_attempts then 'discarded' else 'retryable' end,
              discarded_at = case when attempt >= max_attempts then now() end,
              scheduled_at = case when attempt >= max_attempts then scheduled_at
                                  else now() + :backoffMs * interval '1 millisecond' end,
              last_error = :error""" + ATTEMPT_GUARD)
        .bind("id", job.id()).bind("node", node).bind("attempt", job.attempt())
        .bind("error", error)
        .bind("backoffMs", backoff.toMillis())
        .execute() == 1;
  }

  /** Gives an unfinished job back at shutdown; the interrupted attempt does not count. */
  static boolean release(Handle h, Job job, String node) {
    return h.createUpdate("update jobs set state = 'available', attempt = attempt - 1"
            + ATTEMPT_GUARD)
        .bind("id", job.id()).bind("node", node).bind("attempt", job.attempt())
        .execute() == 1;
  }

  /** Records that {@code node} is alive. */
  static void heartbeat(Handle h, String node) {
    h.createUpdate("""
            insert into job_nodes (node, started_at, heartbeat_at) values (:node, now(), now())
            on conflict (node) do update set heartbeat_at = now()""")
        .bind("node", node)
        .execute();
  }

  static void removeNode(Handle h, String node) {
    h.createUpdate("delete from job_nodes where node = :node").bind("node", node).execute();
  }

  /** A job {@link #rescue} took back: its kind and queue. */
  record Rescued(String kind, String queue) {}

  /**
   * Puts back the executing jobs of every node that has not beaten for {@code rescueAfter} (or has
   * no row at all), then forgets those nodes. The attempt that died counts: a job that has used
   * its last attempt (perhaps by killing its worker each time) is discarded, not run forever.
   * Rows another node is rescuing at the same moment are skipped rather than waited for.
   */
  static List<Rescued> rescue(Handle h, Duration rescueAfter) {
    List<Rescued> rescued = h.createQuery("""
            with dead as materialized (
              select id from jobs j
              where state = 'executing'
                and not exists (select 1 from job_nodes n where n.node = j.attempted_by
                                  and n.heartbeat_at > now() - :afterMs * interval '1 millisecond')
              for update skip locked)
            update jobs j set
              state = case when attempt >= max_attempts then 'discarded' else 'available' end,
              discarded_at = case when attempt >= max_attempts then now() end,
              last_error = 'rescued: node ' || attempted_by || ' stopped beating while running it'
            from dead where j.id = dead.id
            returning j.kind, j.queue""")
        .bind("afterMs", rescueAfter.toMillis())
        .map((rs, ctx) -> new Rescued(rs.getString("kind"), rs.getString("queue")))
        .list();
    h.createUpdate("delete from job_nodes where heartbeat_at <= now() - :afterMs * interval '1 millisecond'")
        .bind("afterMs", rescueAfter.toMillis())
        .execute();
    return rescued;
  }

  /**
   * Puts back the jobs the database says {@code node} is running but the node is not (an attempt
   * whose outcome could not be written). Counts the attempt, like a rescue.
   */
  static int releaseOrphans(Handle h, String node, Collection<UUID> running) {
    return h.createUpdate("""
            update jobs set
              state = case when attempt >= max_attempts then 'discarded' else 'available' end,
              discarded_at = case when attempt >= max_attempts then now() end,
              last_error = 'orphaned: the outcome of the attempt was not recorded'
            where state = 'executing' and attempted_by = :node and id <> all(:running)""")
        .bind("node", node)
        .bindArray("running", UUID.class, running)
        .execute();
  }

  /** Which of {@code ids} have been cancelled. */
  static List<UUID> cancelledAmong(Handle h, Collection<UUID> ids) {
    return h.createQuery("select id from jobs where id = any(:ids) and state = 'cancelled'")
        .bindArray("ids", UUID.class, ids)
        .mapTo(UUID.class)
        .list();
  }

  static Optional<Job> cancel(Handle h, UUID id) {
    h.createUpdate("update jobs set state = 'cancelled', cancelled_at = now()"
            + " where id = :id and state not in ('completed', 'discarded', 'cancelled')")
        .bind("id", id)
        .execute();
    return find(h, id);
  }

  static List<QueueCount> counts(Handle h) {
    return h.createQuery("select queue, state, count(*) as n from jobs group by queue, state"
            + " order by queue, state")
        .map((rs, ctx) -> new QueueCount(rs.getString("queue"),
            JobState.fromSql(rs.getString("state")), rs.getLong("n")))
        .list();
  }

  static JobQueue.Backlog backlog(Handle h) {
    List<QueueCount> counts = new java.util.ArrayList<>();
    java.util.Map<String, Duration> oldest = new java.util.TreeMap<>();
    h.createQuery("""
            select queue, state, count(*) as n,
                   extract(epoch from now() - min(scheduled_at) filter (
                       where state <> 'executing' and scheduled_at <= now())) * 1000 as due_ms
            from jobs
            where state in ('available', 'scheduled', 'retryable', 'executing')
            group by queue, state""")
        .map((rs, ctx) -> {
          String queue = rs.getString("queue");
          counts.add(new QueueCount(queue, JobState.fromSql(rs.getString("state")), rs.getLong("n")));
          double dueMs = rs.getDouble("due_ms");
          if (!rs.wasNull()) {
            oldest.merge(queue, Duration.ofMillis(Math.max(0, (long) dueMs)),
                (a, b) -> a.compareTo(b) >= 0 ? a : b);
          }
          return queue;
        })
        .list();
    return new JobQueue.Backlog(counts, oldest);
  }

  /** Durations of the jobs completed within {@code since}, per queue. */
  static List<JobQueue.Durations> durations(Handle h, Duration since) {
    return h.createQuery("""
            select queue, count(*) as n,
                   avg(ms) as mean, percentile_cont(0.95) within group (order by ms) as p95,
                   max(ms) as max
            from (select queue, extract(epoch from completed_at - attempted_at) * 1000 as ms
                  from jobs
                  where state = 'completed'
                    and <finished> > now() - :sinceMs * interval '1 millisecond') d
            group by queue order by queue""".replace("<finished>", FINISHED_AT))
        .bind("sinceMs", since.toMillis())
        .map((rs, ctx) -> new JobQueue.Durations(rs.getString("queue"), rs.getLong("n"),
            millis(rs.getDouble("mean")), millis(rs.getDouble("p95")), millis(rs.getDouble("max"))))
        .list();
  }

  /**
   * Deletes up to {@code batch} finished jobs that finished before {@code olderThan} ago. Locked
   * rows are skipped, so nodes pruning at once do not queue up behind each other.
   */
  static int pruneBatch(Handle h, Duration olderThan, int batch) {
    return h.createUpdate("""
            with doomed as materialized (
              select id from jobs
              where state in ('completed', 'discarded', 'cancelled')
                and <finished> < now() - :olderMs * interval '1 millisecond'
              limit :batch
              for update skip locked)
            delete from jobs j using doomed where j.id = doomed.id""".replace("<finished>", FINISHED_AT))
        .bind("olderMs", olderThan.toMillis())
        .bind("batch", batch)
        .execute();
  }

  static Instant now(Handle h) {
    return h.createQuery("select now()").mapTo(OffsetDateTime.class).one().toInstant();
  }

  private static Job map(ResultSet rs) throws SQLException {
    long timeoutMs = rs.getLong("timeout_ms");
    Optional<Duration> timeout = rs.wasNull() ? Optional.empty() : Optional.of(Duration.ofMillis(timeoutMs));
    return new Job(
        rs.getObject("id", UUID.class),
        rs.getString("queue"),
        rs.getString("kind"),
        rs.getString("args"),
        rs.getInt("priority"),
        JobState.fromSql(rs.getString("state")),
        rs.getInt("attempt"),
        rs.getInt("max_attempts"),
        timeout,
        instant(rs, "inserted_at"),
        instant(rs, "scheduled_at"),
        Optional.ofNullable(instant(rs, "attempted_at")),
        Optional.ofNullable(rs.getString("attempted_by")),
        Optional.ofNullable(instant(rs, "completed_at")),
        Optional.ofNullable(instant(rs, "discarded_at")),
        Optional.ofNullable(instant(rs, "cancelled_at")),
        Optional.ofNullable(rs.getString("last_error")),
        Optional.ofNullable(rs.getString("unique_key")),
        Optional.ofNullable(rs.getString("trace_parent")));
  }

  private static Duration millis(double ms) {
    return Duration.ofNanos(Math.round(ms * 1_000_000));
  }
}
