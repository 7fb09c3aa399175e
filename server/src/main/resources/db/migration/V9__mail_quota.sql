-- Welcome emails sent per organization per UTC day, for ROSTER_MAIL_DAILY_QUOTA_PER_ORGANIZATION
-- (docs/SECURITY.md, "Multi-tenant fairness"). One row per organization: the mail worker counts
-- with one INSERT ... ON CONFLICT ... WHERE sent < quota RETURNING, so concurrent workers can never
-- send past the quota, and deletes the organization's rows of earlier days when a new day starts.
create table mail_quota (
    organization_id uuid    not null references organizations (id),
    day             date    not null,
    -- welcome emails handed to the mailer this day
    sent            integer not null check (sent >= 0),
    -- welcome emails dropped this day because the quota was used up
    dropped         integer not null default 0 check (dropped >= 0),
    primary key (organization_id, day)
);
