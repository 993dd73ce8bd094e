import crypto from 'node:crypto';
import { ADMIN, Client, lastMailTo, type TestEnv } from './helpers.js';

export const PASSWORD = 'Blue-Lantern-Orbit-42';

/**
 * Signs in from a distinct client address (the env trusts X-Forwarded-For), so that many test users do not
 * share one sign-in rate-limit bucket.
 */
export async function login(c: Client, email: string, password: string) {
  const ip = `10.${crypto.randomInt(255)}.${crypto.randomInt(255)}.${crypto.randomInt(1, 255)}`;
  const res = await c.post('/api/v1/auth/login', { email, password }, { 'x-forwarded-for': ip });
  if (res.statusCode !== 200) throw new Error(`login failed ${res.statusCode} ${res.body}`);
}

/**
 * Re-authenticates a signed-in client (POST /auth/reauth) so that sensitive actions (roles, clearance, scope,
 * entitlements, request approval, exports) pass requireFreshAuth. The session id rotates; the client keeps the
 * new cookies.
 */
export async function reauth(c: Client, password = PASSWORD) {
  const r = await c.post('/api/v1/auth/reauth', { password });
  if (r.statusCode !== 200) throw new Error(`reauth failed ${r.statusCode} ${r.body}`);
}

export interface TenantFixture {
  tenantId: string;
  admin: Client;
  adminEmail: string;
  adminUserId: string;
  roleIds: Record<string, string>;
}

/** Provisions a tenant through the tenants service (as approval does) and signs its admin in with a changed password. */
export async function provisionTenant(env: TestEnv, label: string): Promise<TenantFixture> {
  const adminEmail = `admin-${label}-${crypto.randomBytes(3).toString('hex')}@example.com`;
  const registrationId = crypto.randomUUID();
  const r = await env.ctx.db.platform(async (tx) => {
    await tx.execute(`INSERT INTO registrations (id, status) VALUES ($1, 'approved')`, [registrationId]);
    return env.services.tenants.provision(
      tx,
      { name: `${label} 有限公司`, uscc: `TEST${crypto.randomBytes(7).toString('hex').toUpperCase()}`, registrationId, adminEmail, adminName: `管理员${label}` },
      { kind: 'system', label: 'test' },
      {},
    );
  });
  const admin = new Client(env.app);
  await login(admin, adminEmail, r.adminPassword);
  const ch = await admin.post('/api/v1/auth/password', { currentPassword: r.adminPassword, newPassword: PASSWORD });
  if (ch.statusCode !== 204) throw new Error(`password change failed ${ch.body}`);
  const roles = (await admin.get('/api/v1/access/roles')).json() as { items: Array<{ id: string; key: string }> };
  return { tenantId: r.tenantId, admin, adminEmail, adminUserId: r.adminUserId, roleIds: Object.fromEntries(roles.items.map((x) => [x.key, x.id])) };
}

/** The token in the last invitation mail to this address. */
export async function invitationToken(env: TestEnv, email: string): Promise<string> {
  const mail = await lastMailTo(env.dataDir, email);
  const m = /\/invite\/([0-9a-f-]{36}\.[A-Za-z0-9_-]+)/.exec(mail.text ?? '');
  if (!m) throw new Error('no invitation link in mail');
  return m[1]!;
}

/** Invites, accepts and signs in a user holding the given roles. */
export async function addUser(
  env: TestEnv,
  t: TenantFixture,
  label: string,
  roleKeys: string[],
  extra: { clearance?: string; scope?: string; departmentId?: string | null } = {},
): Promise<{ client: Client; userId: string; email: string }> {
  const email = `${label}-${crypto.randomBytes(3).toString('hex')}@example.com`;
  const body = { email, roleIds: roleKeys.map((k) => t.roleIds[k]), ...extra };
  let inv = await t.admin.post('/api/v1/access/invitations', body);
  // Granting roles is a sensitive action: after 10 minutes the admin confirms their identity again.
  if (inv.statusCode === 403 && inv.json().code === 'reauth_required') {
    await reauth(t.admin);
    inv = await t.admin.post('/api/v1/access/invitations', body);
  }
  if (inv.statusCode !== 201) throw new Error(`invite failed ${inv.body}`);
  const token = await invitationToken(env, email);
  const acc = await new Client(env.app).post(`/api/v1/invitations/${token}`, { email, name: `用户 ${label}`, password: PASSWORD });
  if (acc.statusCode !== 201) throw new Error(`accept failed ${acc.body}`);
  const client = new Client(env.app);
  await login(client, email, PASSWORD);
  return { client, userId: (acc.json() as { userId: string }).userId, email };
}

export async function setStatus(env: TestEnv, operator: Client, tenantId: string, status: string) {
  const r = await operator.request('PUT', `/api/v1/platform/tenants/${tenantId}/status`, { status, reason: 'test' });
  if (r.statusCode !== 200) throw new Error(`status failed ${r.body}`);
}

export async function setEntitlements(operator: Client, tenantId: string, e: { modules: string[]; seatLimit: number; tier: string }) {
  let r = await operator.request('PUT', `/api/v1/platform/tenants/${tenantId}/entitlements`, { ...e, reason: 'test' });
  // Changing entitlements is a sensitive action: an operator signed in more than 10 minutes ago confirms again.
  if (r.statusCode === 403 && r.json().code === 'reauth_required') {
    await reauth(operator, ADMIN.adminPassword);
    r = await operator.request('PUT', `/api/v1/platform/tenants/${tenantId}/entitlements`, { ...e, reason: 'test' });
  }
  if (r.statusCode !== 200) throw new Error(`entitlements failed ${r.body}`);
}
