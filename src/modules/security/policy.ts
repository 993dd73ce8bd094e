import ipaddr from 'ipaddr.js';
import type { Tx } from '../../platform/db/index.js';

export const MFA_METHODS = ['totp', 'webauthn', 'sms', 'recovery'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

export interface SecurityPolicy {
  mfaRequired: 'off' | 'admins' | 'all';
  allowedMethods: MfaMethod[];
  passwordMinLength: number;
  sessionIdleMinutes: number;
  sessionAbsoluteMinutes: number;
  ipAllowlist: string[];
  auditRetentionDays: number;
}

export const DEFAULT_POLICY: SecurityPolicy = {
  mfaRequired: 'off',
  allowedMethods: [...MFA_METHODS],
  passwordMinLength: 10,
  sessionIdleMinutes: 120,
  sessionAbsoluteMinutes: 720,
  ipAllowlist: [],
  auditRetentionDays: 180,
};

/** Roles that count as administrators for "MFA required for admins". */
export const ADMIN_ROLES = ['tenant_admin', 'super_admin', 'security_officer'];

interface PolicyRow {
  mfa_required: SecurityPolicy['mfaRequired'];
  allowed_methods: MfaMethod[];
  password_min_length: number;
  session_idle_minutes: number;
  session_absolute_minutes: number;
  ip_allowlist: string[];
  audit_retention_days: number;
}

/** The policy of a tenant (tx must act for it) or, for null, the platform's. */
export async function loadPolicy(tx: Tx, tenantId: string | null): Promise<SecurityPolicy> {
  if (tenantId) {
    const r = await tx.maybeOne<PolicyRow>(`SELECT * FROM security_policies WHERE tenant_id = $1`, [tenantId]);
    if (!r) return { ...DEFAULT_POLICY };
    return {
      mfaRequired: r.mfa_required,
      allowedMethods: r.allowed_methods,
      passwordMinLength: r.password_min_length,
      sessionIdleMinutes: r.session_idle_minutes,
      sessionAbsoluteMinutes: r.session_absolute_minutes,
      ipAllowlist: r.ip_allowlist,
      auditRetentionDays: r.audit_retention_days,
    };
  }
  // The platform's own policy: read in the platform context, or by the auth scope resolving a platform session.
  if (tx.scope.kind !== 'platform' && !(tx.scope.kind === 'system' && tx.scope.name === 'auth')) return { ...DEFAULT_POLICY };
  const r = await tx.maybeOne<{ value: Partial<SecurityPolicy> }>(`SELECT value FROM platform_settings WHERE key = 'security_policy'`);
  return { ...DEFAULT_POLICY, ...(r?.value ?? {}) };
}

export async function savePolicy(tx: Tx, tenantId: string | null, p: SecurityPolicy, by: string): Promise<void> {
  if (tenantId) {
    await tx.execute(
      `INSERT INTO security_policies (tenant_id, mfa_required, allowed_methods, password_min_length, session_idle_minutes,
         session_absolute_minutes, ip_allowlist, audit_retention_days, updated_at, updated_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8, now(), $9)
       ON CONFLICT (tenant_id) DO UPDATE SET mfa_required = EXCLUDED.mfa_required, allowed_methods = EXCLUDED.allowed_methods,
         password_min_length = EXCLUDED.password_min_length, session_idle_minutes = EXCLUDED.session_idle_minutes,
         session_absolute_minutes = EXCLUDED.session_absolute_minutes, ip_allowlist = EXCLUDED.ip_allowlist,
         audit_retention_days = EXCLUDED.audit_retention_days, updated_at = now(), updated_by = EXCLUDED.updated_by`,
      [tenantId, p.mfaRequired, p.allowedMethods, p.passwordMinLength, p.sessionIdleMinutes, p.sessionAbsoluteMinutes, p.ipAllowlist, p.auditRetentionDays, by],
    );
    return;
  }
  await tx.execute(
    `INSERT INTO platform_settings (key, value, updated_at) VALUES ('security_policy', $1, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [JSON.stringify(p)],
  );
}

/** Parses a CIDR (or a single address) of IPv4 or IPv6; null when invalid. */
export function parseCidr(s: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  try {
    if (s.includes('/')) return ipaddr.parseCIDR(s.trim());
    const a = ipaddr.parse(s.trim());
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}

/** An empty list allows every address. IPv4-mapped IPv6 addresses are compared as IPv4. */
export function ipAllowed(ip: string | null | undefined, allowlist: string[]): boolean {
  if (!allowlist.length) return true;
  if (!ip) return false;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return false;
  }
  return allowlist.some((c) => {
    const range = parseCidr(c);
    if (!range) return false;
    let [net, bits] = range;
    if (net.kind() === 'ipv6' && (net as ipaddr.IPv6).isIPv4MappedAddress()) {
      net = (net as ipaddr.IPv6).toIPv4Address();
      bits = Math.max(0, bits - 96);
    }
    return net.kind() === addr.kind() && addr.match([net, bits] as never);
  });
}

export function mfaRequiredFor(policy: SecurityPolicy, roles: string[]): boolean {
  return policy.mfaRequired === 'all' || (policy.mfaRequired === 'admins' && roles.some((r) => ADMIN_ROLES.includes(r)));
}
