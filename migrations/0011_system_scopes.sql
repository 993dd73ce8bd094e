-- Narrow system scopes (docs/decisions.md "Narrow system scopes"): work that runs before anyone is
-- signed in no longer uses the platform context (app.platform = on, which sees every tenant's sessions,
-- users and audit events). Instead it sets app.system to 'onboarding' or 'auth', and only the policies
-- below accept those values. A scope may look at one row of a wider table only through a "probe":
-- a transaction-local setting naming the single key it is looking up (app.probe_uscc, app.probe_email_key,
-- app.probe_token_hash, app.probe_user_id). A probe answers "is there a row with this key", never
-- "list the rows".

CREATE FUNCTION app_system() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('app.system', true), '') $$;

CREATE FUNCTION app_probe(name text) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.probe_' || name, true), '') $$;

-- onboarding: the applicant's registration and its children --------------------------------------
CREATE POLICY registrations_onboarding ON registrations
  USING (app_system() = 'onboarding') WITH CHECK (app_system() = 'onboarding');
CREATE POLICY registration_tokens_onboarding ON registration_tokens
  USING (app_system() = 'onboarding') WITH CHECK (app_system() = 'onboarding');
CREATE POLICY registration_email_codes_onboarding ON registration_email_codes
  USING (app_system() = 'onboarding') WITH CHECK (app_system() = 'onboarding');
-- Versions are append-only (no UPDATE/DELETE grant); the applicant's submit appends one.
CREATE POLICY registration_versions_onboarding ON registration_versions
  USING (app_system() = 'onboarding') WITH CHECK (app_system() = 'onboarding');
-- Decisions are written by reviewers only; the applicant reads the reasons of a rejection.
CREATE POLICY registration_decisions_onboarding_read ON registration_decisions FOR SELECT
  USING (app_system() = 'onboarding');
-- The onboarding data key (encrypting contact PII and the license), created on first use.
CREATE POLICY platform_keys_onboarding_read ON platform_keys FOR SELECT
  USING (app_system() = 'onboarding' AND purpose = 'onboarding');
CREATE POLICY platform_keys_onboarding_insert ON platform_keys FOR INSERT
  WITH CHECK (app_system() = 'onboarding' AND purpose = 'onboarding');
-- Duplicate checks at submit: is there a live tenant with this USCC / a login with this e-mail?
CREATE POLICY tenants_onboarding_probe ON tenants FOR SELECT
  USING (app_system() = 'onboarding' AND uscc = app_probe('uscc'));
CREATE POLICY login_identities_probe ON login_identities FOR SELECT
  USING (app_system() IN ('onboarding', 'auth') AND email_key = app_probe('email_key'));

-- audit: both scopes append to the platform chain; onboarding reads back its own registration events
-- (the per-address code-mail counter), nothing else.
CREATE POLICY audit_chain_heads_system ON audit_chain_heads
  USING (app_system() IN ('onboarding', 'auth') AND tenant_id = '00000000-0000-0000-0000-000000000000')
  WITH CHECK (app_system() IN ('onboarding', 'auth') AND tenant_id = '00000000-0000-0000-0000-000000000000');
CREATE POLICY audit_events_system_insert ON audit_events FOR INSERT
  WITH CHECK (app_system() IN ('onboarding', 'auth') AND tenant_id = '00000000-0000-0000-0000-000000000000');
CREATE POLICY audit_events_onboarding_read ON audit_events FOR SELECT
  USING (app_system() = 'onboarding' AND tenant_id = '00000000-0000-0000-0000-000000000000' AND action LIKE 'registration.%');

-- auth: resolving one session cookie ------------------------------------------------------------
-- The session whose token hash is probed (read, touch, revoke); once the session names its tenant the
-- code calls actAsTenant and the ordinary tenant policies apply to that tenant's users and policy.
CREATE POLICY sessions_auth_probe ON sessions
  USING (app_system() = 'auth' AND token_hash = decode(app_probe('token_hash'), 'hex'))
  WITH CHECK (app_system() = 'auth' AND token_hash = decode(app_probe('token_hash'), 'hex'));
-- The platform operator of a platform session (one row, by id).
CREATE POLICY platform_users_auth_probe ON platform_users FOR SELECT
  USING (app_system() = 'auth' AND id = app_probe('user_id')::uuid);
-- The platform's own security policy (idle timeout, allow-list) for platform sessions.
CREATE POLICY platform_settings_auth_read ON platform_settings FOR SELECT
  USING (app_system() = 'auth' AND key = 'security_policy');
