-- The background-job queue (docs/JOBS.md). Jobs are rows: enqueueing is an INSERT on the caller's
-- transaction, workers claim rows with FOR UPDATE SKIP LOCKED, and every worker process (node)
-- keeps a heartbeat row so that the jobs of a dead node can be told from those of a slow one.
create table jobs (
    id           uuid        primary key,
    queue        text        not null check (char_length(queue) between 1 and 100),
    kind         text        not null check (char_length(kind) between 1 and 200),
    args         jsonb       not null,
    priority     smallint    not null check (priority between 0 and 9),
    state        text        not null check (state in ('available', 'scheduled', 'executing',
                                  'retryable', 'completed', 'discarded', 'cancelled')),
    attempt      integer     not null default 0 check (attempt >= 0),
    max_attempts integer     not null check (max_attempts > 0),
    -- null: the worker's default timeout
    timeout_ms   bigint      check (timeout_ms > 0),
    inserted_at  timestamptz not null,
    scheduled_at timestamptz not null,
    attempted_at timestamptz,
    attempted_by text,
    completed_at timestamptz,
    discarded_at timestamptz,
    cancelled_at timestamptz,
    last_error   text,
    -- kind, hash of the canonical args, window and window number; null when not unique
    unique_key   text
);

-- The fetch: per queue, due jobs by priority, then run-at time, then id. Partial, so it holds only
-- the jobs still waiting, however many finished jobs the table keeps.
create index jobs_fetch_idx on jobs (queue, priority, scheduled_at, id)
    where state in ('available', 'scheduled', 'retryable');

-- The rescue (and a node's check of its own jobs): executing jobs by node.
create index jobs_executing_idx on jobs (attempted_by) where state = 'executing';

-- Unique jobs: one row per key; insert ... on conflict do nothing relies on it, so concurrent
-- inserts of the same key leave one row.
create unique index jobs_unique_key_idx on jobs (unique_key) where unique_key is not null;

-- Pruning: finished jobs by the time they finished.
create index jobs_finished_idx on jobs ((coalesce(completed_at, discarded_at, cancelled_at)))
    where state in ('completed', 'discarded', 'cancelled');

-- One row per worker process, beaten every few seconds. A node whose row is older than the
-- rescue delay is dead: its executing jobs go back to the queue.
create table job_nodes (
    node         text        primary key,
    started_at   timestamptz not null,
    heartbeat_at timestamptz not null
);
