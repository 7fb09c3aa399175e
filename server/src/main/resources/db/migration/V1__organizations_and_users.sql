-- Organizations (tenants) and their users. Ids are UUIDv7 chosen by the server; slugs and handles are
-- for people and can change. Rows are soft-deleted (delete_time), so uniqueness of slugs, handles and
-- emails holds among live rows only.

create table organizations (
    id           uuid        primary key,
    slug         text        not null check (char_length(slug) between 3 and 63),
    display_name text        not null default '' check (char_length(display_name) <= 200),
    create_time  timestamptz not null,
    update_time  timestamptz not null,
    delete_time  timestamptz,
    -- bumped on every change; the etag is derived from it
    version      bigint      not null default 1,
    -- the request_id of the CreateOrganization call that made the row (AIP-155), for safe retries
    request_id   uuid
);

create unique index organizations_slug_live_key on organizations (slug) where delete_time is null;
create unique index organizations_request_id_key on organizations (request_id);

create table users (
    id              uuid        primary key,
    organization_id uuid        not null references organizations (id),
    handle          text        not null check (char_length(handle) between 3 and 63),
    email           text        not null check (char_length(email) between 3 and 254),
    display_name    text        not null default '' check (char_length(display_name) <= 200),
    status          text        not null default 'ACTIVE' check (status in ('ACTIVE', 'SUSPENDED')),
    create_time     timestamptz not null,
    update_time     timestamptz not null,
    delete_time     timestamptz,
    version         bigint      not null default 1,
    request_id      uuid
);

create unique index users_handle_live_key on users (organization_id, handle) where delete_time is null;
create unique index users_email_live_key on users (organization_id, lower(email)) where delete_time is null;
create unique index users_request_id_key on users (organization_id, request_id);
-- the default listing order within an organization (create_time, then id)
create index users_organization_create_time_idx on users (organization_id, create_time, id);
