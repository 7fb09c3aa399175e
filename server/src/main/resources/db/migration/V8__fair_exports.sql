-- Fair sharing of the job queue between tenants, and exports that expire (docs/JOBS.md,
-- docs/SECURITY.md "Multi-tenant fairness").

-- An optional fairness partition (exports use the organization id). A queue whose waiting jobs
-- have partitions is claimed partition by partition: the one with the fewest executing jobs, then
-- the one served least recently, so one tenant's backlog does not delay another's job. Null:
-- no partition, and the claim stays the plain index-ordered one.
alter table jobs add column partition_key text check (char_length(partition_key) between 1 and 200);

-- Per queue and partition, the jobs not yet finished: the claim's count of executing jobs per
-- partition, and the per-organization cap on pending and running exports. Partial, so it holds only
-- unfinished partitioned jobs.
create index jobs_partition_active_idx on jobs (queue, partition_key)
    where partition_key is not null
      and state in ('available', 'scheduled', 'retryable', 'executing');

-- Per queue and partition, when a job was last claimed: the claim's "least recently served"
-- tie-break reads the newest entry per partition.
create index jobs_partition_served_idx on jobs (queue, partition_key, attempted_at)
    where partition_key is not null;

-- A finished operation is kept until expire_time (set when it finishes: ROSTER_EXPORT_RETENTION
-- later); then it reads as NOT_FOUND and the expiry job deletes its file and its row.
alter table operations add column expire_time timestamptz;

-- Operations that finished before this migration expire like new ones, 7 days (the default
-- ROSTER_EXPORT_RETENTION) after they finished.
update operations set expire_time = update_time + interval '7 days' where done;

create index operations_expire_time_idx on operations (expire_time) where expire_time is not null;
