-- Second factors, sign-in challenges and password resets belong to a user who is either a platform
-- operator or a tenant user. Like sessions (0290) and the audit chain, a platform operator's rows now
-- belong to the nil tenant (00000000-…), so tenant_id is NOT NULL and first in every primary key; the
-- foreign keys to tenants go (the nil tenant is no row of tenants). RLS policies are unchanged:
-- tenant_id = app_tenant() OR the platform context.
SELECT set_config('app.platform', 'on', true);

ALTER TABLE auth_challenges DROP CONSTRAINT IF EXISTS auth_challenges_tenant_id_fkey;
UPDATE auth_challenges SET tenant_id = '00000000-0000-0000-0000-000000000000' WHERE tenant_id IS NULL;
ALTER TABLE auth_challenges ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE auth_challenges DROP CONSTRAINT auth_challenges_pkey;
ALTER TABLE auth_challenges ADD PRIMARY KEY (tenant_id, id_hash);

ALTER TABLE mfa_totp DROP CONSTRAINT IF EXISTS mfa_totp_tenant_id_fkey;
UPDATE mfa_totp SET tenant_id = '00000000-0000-0000-0000-000000000000' WHERE tenant_id IS NULL;
ALTER TABLE mfa_totp ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE mfa_totp DROP CONSTRAINT mfa_totp_pkey;
ALTER TABLE mfa_totp ADD PRIMARY KEY (tenant_id, user_id);

ALTER TABLE mfa_phones DROP CONSTRAINT IF EXISTS mfa_phones_tenant_id_fkey;
UPDATE mfa_phones SET tenant_id = '00000000-0000-0000-0000-000000000000' WHERE tenant_id IS NULL;
ALTER TABLE mfa_phones ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE mfa_phones DROP CONSTRAINT mfa_phones_pkey;
ALTER TABLE mfa_phones ADD PRIMARY KEY (tenant_id, user_id);

ALTER TABLE mfa_recovery_codes DROP CONSTRAINT IF EXISTS mfa_recovery_codes_tenant_id_fkey;
UPDATE mfa_recovery_codes SET tenant_id = '00000000-0000-0000-0000-000000000000' WHERE tenant_id IS NULL;
ALTER TABLE mfa_recovery_codes ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE mfa_recovery_codes DROP CONSTRAINT mfa_recovery_codes_pkey;
ALTER TABLE mfa_recovery_codes ADD PRIMARY KEY (tenant_id, user_id, code_hash);

ALTER TABLE webauthn_credentials DROP CONSTRAINT IF EXISTS webauthn_credentials_tenant_id_fkey;
UPDATE webauthn_credentials SET tenant_id = '00000000-0000-0000-0000-000000000000' WHERE tenant_id IS NULL;
ALTER TABLE webauthn_credentials ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE webauthn_credentials DROP CONSTRAINT webauthn_credentials_pkey;
ALTER TABLE webauthn_credentials ADD PRIMARY KEY (tenant_id, id);

ALTER TABLE password_resets DROP CONSTRAINT IF EXISTS password_resets_tenant_id_fkey;
UPDATE password_resets SET tenant_id = '00000000-0000-0000-0000-000000000000' WHERE tenant_id IS NULL;
ALTER TABLE password_resets ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE password_resets DROP CONSTRAINT password_resets_pkey;
ALTER TABLE password_resets ADD PRIMARY KEY (tenant_id, token_hash);

-- Look-ups by the bearer's hash happen before the tenant is known.
CREATE INDEX auth_challenges_id_hash ON auth_challenges (id_hash);
CREATE INDEX password_resets_token_hash ON password_resets (token_hash);
CREATE INDEX webauthn_credentials_id ON webauthn_credentials (id);
