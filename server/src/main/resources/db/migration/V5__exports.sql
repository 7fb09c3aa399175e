-- Long-running operations of the Accounts context (exports), AIP-151. The work itself is a job in
-- the jobs table (V4); this row is what callers poll: progress, cancellation, result or error.
create table operations (
    id               uuid        primary key,
    organization_id  uuid        not null references organizations (id),
    kind             text        not null,
    filter           text        not null default '',
    job_id           uuid,
    done             boolean     not null default false,
    cancel_requested boolean     not null default false,
    exported_count   bigint      not null default 0,
    result_uri       text,
    result_bytes     bigint,
    error_code       text,
    error_message    text,
    create_time      timestamptz not null,
    update_time      timestamptz not null
);

create index operations_organization_create_time_idx on operations (organization_id, create_time, id);
