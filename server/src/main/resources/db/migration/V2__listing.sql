-- Listing at scale: page token signing keys, and the indexes behind the filters and orderings
-- callers use most (see docs/API.md, "What is indexed").

-- Keys that sign page tokens, shared by every replica. The newest signs; all are accepted.
create table page_token_keys (
    id          integer     generated always as identity primary key,
    secret      bytea       not null check (octet_length(secret) >= 32),
    create_time timestamptz not null default now()
);

-- Slugs, handles and emails are ASCII; the "C" collation makes their order byte order on every
-- server (whatever its locale) and lets a plain b-tree serve prefix (LIKE 'ab%') filters.
alter table organizations alter column slug type text collate "C";
alter table users alter column handle type text collate "C";
alter table users alter column email type text collate "C";

-- Organizations: default order, and order/filter by slug.
create index organizations_create_time_idx on organizations (create_time, id);
create index organizations_slug_idx on organizations (slug, id);

-- Users: the default order (create_time, id) already has users_organization_create_time_idx.
create index users_organization_handle_idx on users (organization_id, handle, id);
create index users_organization_email_idx on users (organization_id, lower(email), id);
create index users_organization_update_time_idx on users (organization_id, update_time, id);
create index users_organization_status_create_time_idx on users (organization_id, status, create_time, id);
