-- Re-authentication by SMS: a code bound to the session that asked for it (purpose 'sms_reauth').
ALTER TABLE auth_challenges DROP CONSTRAINT auth_challenges_purpose_check;
ALTER TABLE auth_challenges ADD CONSTRAINT auth_challenges_purpose_check
  CHECK (purpose IN ('login', 'webauthn_register', 'webauthn_reauth', 'phone_verify', 'sms_reauth'));

-- New catalogue permission `security.manage` (tenant security policy and security alerts). The built-in
-- tenant_admin role holds every entitled permission, so existing tenants' admin roles get it too. The
-- migration runs as the table owner; FORCE is lifted for this one statement so the owner can reach every
-- tenant's rows, and put back in the same transaction.
ALTER TABLE roles NO FORCE ROW LEVEL SECURITY;
UPDATE roles SET permissions = array_append(permissions, 'security.manage'), updated_at = now()
 WHERE key = 'tenant_admin' AND builtin AND NOT ('security.manage' = ANY (permissions));
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
