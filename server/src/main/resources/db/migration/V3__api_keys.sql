-- API keys. Only a SHA-256 hash of each secret is stored: the secrets are 256-bit random values
-- (or an operator-chosen bootstrap secret), so a fast hash is enough and a stolen table yields no
-- usable key. organization_id is null for platform-admin keys.
create table api_keys (
    id                    uuid        primary key,
    organization_id       uuid        references organizations (id),
    display_name          text        not null default '' check (char_length(display_name) <= 200),
    scopes                text[]      not null,
    secret_hash           bytea       not null check (octet_length(secret_hash) = 32),
    create_time           timestamptz not null,
    expire_time           timestamptz,
    revoke_time           timestamptz,
    rate_limit_per_second integer     check (rate_limit_per_second > 0),
    rate_limit_burst      integer     check (rate_limit_burst > 0)
);

create index api_keys_organization_create_time_idx on api_keys (organization_id, create_time, id);
