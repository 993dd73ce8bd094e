-- Security: second factors, sign-in challenges, lockout counters, password resets, session freshness,
-- security policies. Factor tables belong to a user who is either a platform operator (tenant_id NULL)
-- or a tenant user; like sessions, they are visible to that tenant or in the explicit platform context
-- (sign-in runs there before the tenant is known).

ALTER TABLE sessions ADD COLUMN reauth_at timestamptz;
ALTER TABLE sessions ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}';

-- TOTP (RFC 6238): the secret is encrypted under the owner's data key; last_step refuses a replayed code.
CREATE TABLE mfa_totp (
  user_id uuid PRIMARY KEY,
  tenant_id uuid REFERENCES tenants (id),
  secret_enc text NOT NULL,
  confirmed_at timestamptz,
  last_step bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE mfa_totp ENABLE ROW LEVEL SECURITY;
ALTER TABLE mfa_totp FORCE ROW LEVEL SECURITY;
CREATE POLICY mfa_totp_scope ON mfa_totp USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());

-- One-time recovery codes, stored as HMAC (blind index) only.
CREATE TABLE mfa_recovery_codes (
  user_id uuid NOT NULL,
  code_hash text NOT NULL,
  tenant_id uuid REFERENCES tenants (id),
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, code_hash)
);
ALTER TABLE mfa_recovery_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE mfa_recovery_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY mfa_recovery_codes_scope ON mfa_recovery_codes USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());

-- Passkeys (WebAuthn credentials).
CREATE TABLE webauthn_credentials (
  id text PRIMARY KEY,
  user_id uuid NOT NULL,
  tenant_id uuid REFERENCES tenants (id),
  public_key bytea NOT NULL,
  counter bigint NOT NULL DEFAULT 0,
  transports text[] NOT NULL DEFAULT '{}',
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);
ALTER TABLE webauthn_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE webauthn_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY webauthn_credentials_scope ON webauthn_credentials USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());

-- SMS: the (encrypted) phone number a code may be sent to; codes go only to a verified number.
CREATE TABLE mfa_phones (
  user_id uuid PRIMARY KEY,
  tenant_id uuid REFERENCES tenants (id),
  phone_enc text NOT NULL,
  phone_hint text NOT NULL,
  verified_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE mfa_phones ENABLE ROW LEVEL SECURITY;
ALTER TABLE mfa_phones FORCE ROW LEVEL SECURITY;
CREATE POLICY mfa_phones_scope ON mfa_phones USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());

-- Short-lived challenges: a sign-in waiting for its second factor, a passkey registration, a phone
-- verification, a re-authentication. Only the SHA-256 of the bearer id is stored.
CREATE TABLE auth_challenges (
  id_hash bytea PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('login', 'webauthn_register', 'webauthn_reauth', 'phone_verify')),
  kind text NOT NULL CHECK (kind IN ('platform', 'tenant')),
  tenant_id uuid REFERENCES tenants (id),
  user_id uuid NOT NULL,
  session_id uuid,
  webauthn_challenge text,
  code_hash text,
  code_sent_at timestamptz,
  code_expires_at timestamptz,
  sms_sent int NOT NULL DEFAULT 0,
  attempts int NOT NULL DEFAULT 0,
  ip text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz
);
CREATE INDEX auth_challenges_user ON auth_challenges (user_id);
ALTER TABLE auth_challenges ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_challenges FORCE ROW LEVEL SECURITY;
CREATE POLICY auth_challenges_scope ON auth_challenges USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());

-- Failed sign-in counters and locks, per account (e-mail key) and per client IP (platform bookkeeping).
CREATE TABLE login_throttle (
  key text PRIMARY KEY,
  failures int NOT NULL DEFAULT 0,
  window_started_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  lock_count int NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE login_throttle ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_throttle FORCE ROW LEVEL SECURITY;
CREATE POLICY login_throttle_all ON login_throttle USING (app_is_platform()) WITH CHECK (app_is_platform());

-- Password reset links: single use, expiring; only the token's SHA-256 is stored.
CREATE TABLE password_resets (
  token_hash bytea PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('platform', 'tenant')),
  tenant_id uuid REFERENCES tenants (id),
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;
CREATE POLICY password_resets_all ON password_resets USING (app_is_platform()) WITH CHECK (app_is_platform());

-- A tenant's security policy (edited by its tenant admins). The platform's own lives in platform_settings.
CREATE TABLE security_policies (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  mfa_required text NOT NULL DEFAULT 'off' CHECK (mfa_required IN ('off', 'admins', 'all')),
  allowed_methods text[] NOT NULL DEFAULT '{totp,webauthn,sms,recovery}',
  password_min_length int NOT NULL DEFAULT 10 CHECK (password_min_length BETWEEN 10 AND 128),
  session_idle_minutes int NOT NULL DEFAULT 120 CHECK (session_idle_minutes BETWEEN 5 AND 1440),
  session_absolute_minutes int NOT NULL DEFAULT 720 CHECK (session_absolute_minutes BETWEEN 15 AND 10080),
  ip_allowlist text[] NOT NULL DEFAULT '{}',
  audit_retention_days int NOT NULL DEFAULT 180 CHECK (audit_retention_days >= 180),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  PRIMARY KEY (tenant_id)
);
ALTER TABLE security_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE security_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY security_policies_tenant ON security_policies USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
