-- API keys for integrations (module api_access). The token is pk_<tenant id hex>_<secret>; only the SHA-256
-- of the secret is stored, with its first characters (prefix) for display. A key acts with the permissions
-- of its role and the data reach of the user who created it (see docs/access.md, "API keys").
CREATE TABLE api_keys (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  -- Deleting the role does not delete the key: it stops working on the next request (api_key_role_removed).
  role_id uuid,
  prefix text NOT NULL,
  secret_hash bytea NOT NULL,
  expires_at timestamptz,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  last_used_ip text,
  revoked_at timestamptz,
  revoked_by text,
  revoked_by_label text,
  revoke_reason text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE SET NULL (role_id),
  FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX api_keys_secret ON api_keys (tenant_id, secret_hash);
CREATE INDEX api_keys_prefix ON api_keys (tenant_id, prefix);
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (tenant_id, lower(name)) WHERE revoked_at IS NULL;
CREATE INDEX api_keys_role ON api_keys (tenant_id, role_id);
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_tenant ON api_keys USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
