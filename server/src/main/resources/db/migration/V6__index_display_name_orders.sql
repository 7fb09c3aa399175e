-- Every field a list may be ordered by is indexed, so every single-field order_by (either
-- direction) is a keyset range scan that reads one page, however large the organization. Orders
-- naming several fields are sorted by PostgreSQL and cost double in rate-limit tokens instead
-- (DECISIONS 4x). display_name was the one sort field without an index.
create index users_organization_display_name_idx on users (organization_id, display_name, id);
create index organizations_display_name_idx on organizations (display_name, id);
