-- Sessions carry tenant_id in their primary key like every tenant-owned table (docs/decisions.md §3 and
-- "Narrow system scopes"): a platform operator's session belongs to the platform chain's nil tenant
-- (00000000-…), exactly as the audit log does, so tenant_id is NOT NULL and first in every key.
-- The foreign key to tenants goes (the nil tenant is no row of tenants); a tenant's sessions end with
-- it (status checks on every request, and termination revokes them).
SELECT set_config('app.platform', 'on', true);

ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_tenant_id_fkey;
ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_check;
UPDATE sessions SET tenant_id = '00000000-0000-0000-0000-000000000000' WHERE tenant_id IS NULL;
ALTER TABLE sessions ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE sessions ADD CONSTRAINT sessions_kind_tenant
  CHECK ((kind = 'tenant') = (tenant_id <> '00000000-0000-0000-0000-000000000000'));
ALTER TABLE sessions DROP CONSTRAINT sessions_pkey;
ALTER TABLE sessions ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_token_hash_key;
CREATE UNIQUE INDEX sessions_tenant_token ON sessions (tenant_id, token_hash);
-- Cookie resolution looks a token up before the tenant is known (auth scope, one probed hash).
CREATE INDEX sessions_token ON sessions (token_hash);
