-- Foundation: tenant context, tenants, keys, users, sessions, audit log.
-- Conventions (docs/decisions.md):
--  * every tenant-owned table has tenant_id as the first column of its primary key, and every foreign
--    key and unique key that can point at tenant rows includes tenant_id;
--  * RLS is ENABLED and FORCED on every table; tenant tables admit only app_tenant() rows;
--  * platform tables admit rows only in the explicit platform context (app_is_platform()).
--  * the platform's own audit chain uses the nil UUID as its tenant_id.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION app_tenant() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION app_is_platform() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('app.platform', true), '') = 'on' $$;

-- Tenants ------------------------------------------------------------------------------------------
CREATE TABLE tenants (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  uscc text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'restricted', 'suspended', 'terminated')),
  plan text NOT NULL DEFAULT 'trial',
  time_zone text NOT NULL DEFAULT 'Asia/Shanghai',
  registration_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- A company holds at most one live tenant.
CREATE UNIQUE INDEX tenants_uscc_live ON tenants (uscc) WHERE status <> 'terminated';
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_read ON tenants FOR SELECT USING (id = app_tenant() OR app_is_platform());
CREATE POLICY tenants_write ON tenants FOR INSERT WITH CHECK (app_is_platform());
CREATE POLICY tenants_update ON tenants FOR UPDATE USING (app_is_platform()) WITH CHECK (app_is_platform());

-- Encryption keys --------------------------------------------------------------------------------
-- Data keys are random AES-256 keys wrapped (AES-256-GCM) by the master key; only wrapped keys are stored.
CREATE TABLE platform_keys (
  id uuid PRIMARY KEY,
  purpose text NOT NULL,
  wrapped_key bytea NOT NULL,
  master_key_id text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX platform_keys_active ON platform_keys (purpose) WHERE status = 'active';
ALTER TABLE platform_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_keys_all ON platform_keys USING (app_is_platform()) WITH CHECK (app_is_platform());

CREATE TABLE tenant_keys (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  wrapped_key bytea NOT NULL,
  master_key_id text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired', 'destroyed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX tenant_keys_active ON tenant_keys (tenant_id) WHERE status = 'active';
ALTER TABLE tenant_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_keys_tenant ON tenant_keys USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Users ------------------------------------------------------------------------------------------
CREATE TABLE platform_users (
  id uuid PRIMARY KEY,
  email text NOT NULL,
  name text NOT NULL,
  password_hash text NOT NULL,
  roles text[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  must_change_password boolean NOT NULL DEFAULT false,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX platform_users_email ON platform_users (lower(email));
ALTER TABLE platform_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_users FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_users_all ON platform_users USING (app_is_platform()) WITH CHECK (app_is_platform());

CREATE TABLE users (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  email text NOT NULL,
  name text NOT NULL,
  password_hash text,
  roles text[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active', 'disabled')),
  must_change_password boolean NOT NULL DEFAULT false,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX users_email ON users (tenant_id, lower(email));
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_tenant ON users USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Login e-mails are unique platform-wide: one address, one account, whichever side it is on.
-- Looked up before the tenant is known, hence a platform table (read in the platform context by sign-in).
CREATE TABLE login_identities (
  email_key text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('platform', 'tenant')),
  tenant_id uuid REFERENCES tenants (id),
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'tenant') = (tenant_id IS NOT NULL))
);
ALTER TABLE login_identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_identities FORCE ROW LEVEL SECURITY;
CREATE POLICY login_identities_all ON login_identities USING (app_is_platform()) WITH CHECK (app_is_platform());

-- Sessions: the cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE,
  csrf_token text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('platform', 'tenant')),
  tenant_id uuid REFERENCES tenants (id),
  user_id uuid NOT NULL,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text,
  CHECK ((kind = 'tenant') = (tenant_id IS NOT NULL))
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id) WHERE revoked_at IS NULL;
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
-- A tenant sees its own users' sessions; resolving a cookie happens in the platform context.
CREATE POLICY sessions_tenant ON sessions USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());

-- Audit log --------------------------------------------------------------------------------------
-- Append-only (the app role has no UPDATE/DELETE) and hash-chained per tenant: each event stores the
-- hash of the previous event of the same chain. The platform chain uses the nil UUID.
CREATE TABLE audit_chain_heads (
  tenant_id uuid PRIMARY KEY,
  seq bigint NOT NULL,
  hash bytea NOT NULL
);
ALTER TABLE audit_chain_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_chain_heads_scope ON audit_chain_heads
  USING (tenant_id = app_tenant() OR (app_is_platform() AND tenant_id = '00000000-0000-0000-0000-000000000000'))
  WITH CHECK (tenant_id = app_tenant() OR (app_is_platform() AND tenant_id = '00000000-0000-0000-0000-000000000000'));

CREATE TABLE audit_events (
  tenant_id uuid NOT NULL,
  seq bigint NOT NULL,
  id uuid NOT NULL,
  occurred_at timestamptz NOT NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('platform_user', 'tenant_user', 'api_key', 'applicant', 'system', 'anonymous')),
  actor_id text,
  actor_label text,
  on_behalf_of text,
  action text NOT NULL,
  object_type text,
  object_id text,
  ip text,
  user_agent text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_events_time ON audit_events (tenant_id, occurred_at DESC);
CREATE INDEX audit_events_object ON audit_events (tenant_id, object_type, object_id);
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
-- Tenants read their own chain; the platform reads every chain and writes its own and, when acting for a
-- tenant (provisioning), that tenant's.
CREATE POLICY audit_events_read ON audit_events FOR SELECT USING (tenant_id = app_tenant() OR app_is_platform());
CREATE POLICY audit_events_insert ON audit_events FOR INSERT
  WITH CHECK (tenant_id = app_tenant() OR (app_is_platform() AND tenant_id = '00000000-0000-0000-0000-000000000000'));

-- Platform-wide settings and counters that jobs use (no tenant data).
CREATE TABLE platform_settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE platform_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_settings_all ON platform_settings USING (app_is_platform()) WITH CHECK (app_is_platform());
