import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, createTestEnv, type TestEnv } from '../helpers.js';
import { PASSWORD, seedTenant } from './helpers.js';
import { addUser, provisionTenant, type TenantFixture } from '../accessHelpers.js';

/**
 * Security routes decide by catalogue permissions (audit.view, users.manage, security.manage), so custom roles
 * work, and a refusal is recorded like every other permission denial (issue 3, M5).
 */
describe('security routes guarded by catalogue permissions', () => {
  let env: TestEnv;
  let t: TenantFixture;

  beforeAll(async () => {
    env = await createTestEnv({ ...ADMIN, trustProxy: true });
    t = await provisionTenant(env, '江南制造');
  }, 120_000);
  afterAll(async () => env?.close());

  const customRole = async (name: string, permissions: string[]) => {
    const r = await t.admin.post('/api/v1/access/roles', { name, permissions });
    expect(r.statusCode, r.body).toBe(201);
    const id = (r.json() as { id: string }).id;
    t.roleIds[name] = id;
    return id;
  };
  const denials = (userId: string, permission: string) =>
    env.ctx.db.platform(async (tx) => {
      const d = await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM denials WHERE tenant_id = $1 AND user_id = $2 AND permission = $3`, [t.tenantId, userId, permission]);
      const a = await tx.one<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND actor_id = $2 AND action = 'access.denied' AND details->>'permission' = $3`,
        [t.tenantId, userId, permission],
      );
      return { denials: d.n, audit: a.n };
    });

  it('the built-in tenant admin holds security.manage (catalogue, seeded role)', async () => {
    const me = (await t.admin.get('/api/v1/access/me')).json() as { permissions: string[] };
    expect(me.permissions).toContain('security.manage');
    expect((await t.admin.get('/api/v1/security/policy')).statusCode).toBe(200);
  });

  it('a custom role with audit.view reads and verifies the audit log and sees security alerts, but not the policy', async () => {
    await customRole('内审专员', ['audit.view']);
    const u = await addUser(env, t, 'neishen', ['内审专员']);
    const log = await u.client.get('/api/v1/audit-events?action=auth');
    expect(log.statusCode, log.body).toBe(200);
    expect((log.json() as { total: number }).total).toBeGreaterThan(0);
    expect((await u.client.get('/api/v1/security/audit/verify')).json()).toMatchObject({ ok: true });
    expect((await u.client.get('/api/v1/security/alerts')).statusCode).toBe(200);

    const policy = await u.client.get('/api/v1/security/policy');
    expect(policy.statusCode).toBe(403);
    expect(policy.json()).toMatchObject({ code: 'permission_denied' });
    expect(await denials(u.userId, 'security.manage')).toEqual({ denials: 1, audit: 1 });
    expect((await u.client.post(`/api/v1/security/alerts/${crypto.randomUUID()}/acknowledge`, {})).statusCode).toBe(403);
    expect((await denials(u.userId, 'security.manage')).denials).toBe(2);
  });

  it('a custom role with security.manage changes the security policy', async () => {
    await customRole('安全管理员', ['security.manage']);
    const u = await addUser(env, t, 'anquan', ['安全管理员']);
    const base = (await u.client.get('/api/v1/security/policy')).json() as Record<string, unknown>;
    const put = await u.client.request('PUT', '/api/v1/security/policy', { ...base, passwordMinLength: 14 });
    expect(put.statusCode, put.body).toBe(200);
    expect((await t.admin.get('/api/v1/security/policy')).json()).toMatchObject({ passwordMinLength: 14 });
    // The audit log needs audit.view, which this role lacks.
    expect((await u.client.get('/api/v1/audit-events')).statusCode).toBe(403);
    expect((await denials(u.userId, 'audit.view')).audit).toBe(1);
  });

  it('users.manage ends other users’ sessions and administers training; a viewer is refused and recorded', async () => {
    await customRole('人事专员', ['users.manage']);
    const hr = await addUser(env, t, 'renshi', ['人事专员']);
    const worker = await addUser(env, t, 'gongren', ['viewer']);
    const list = await hr.client.get(`/api/v1/security/users/${worker.userId}/sessions`);
    expect(list.statusCode, list.body).toBe(200);
    expect((list.json() as { items: unknown[] }).items.length).toBeGreaterThan(0);
    expect((await hr.client.get('/api/v1/security/training/courses')).statusCode).toBe(200);

    expect((await worker.client.get(`/api/v1/security/users/${hr.userId}/sessions`)).statusCode).toBe(403);
    expect((await worker.client.get('/api/v1/security/training/overdue')).statusCode).toBe(403);
    expect((await denials(worker.userId, 'users.manage')).denials).toBe(2);

    expect((await hr.client.request('DELETE', `/api/v1/security/users/${worker.userId}/sessions`)).statusCode).toBe(200);
    expect((await worker.client.get('/api/v1/me')).statusCode).toBe(401);
  });
});

/** Rate limits per tenant as well as per IP (issue 5, M1), at scale 1 (docs/decisions.md §6). */
describe('per-tenant rate limit', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv({ rateLimitScale: 1, trustProxy: true, tenantRateLimitPerMinute: 8, tenantRateLimitPlans: { enterprise: 20 } });
  });
  afterAll(async () => env?.close());

  const signIn = async (email: string, ip: string) => {
    const c = new Client(env.app);
    const r = await c.post('/api/v1/auth/login', { email, password: PASSWORD }, { 'x-forwarded-for': ip });
    expect(r.statusCode, r.body).toBe(200);
    return c;
  };

  it('counts every user and address of a tenant together; 429 tenant_rate_limited with Retry-After; other tenants unaffected', async () => {
    const a = await seedTenant(env, '甲方科技有限公司');
    const b = await seedTenant(env, '乙方贸易有限公司');
    await env.ctx.db.platform((tx) => tx.execute(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [b.tenantId]));
    const [a1, a2, b1] = await Promise.all([a.user('zhao@jiafang.example.com'), a.user('qian@jiafang.example.com'), b.user('sun@yifang.example.com')]);
    const c1 = await signIn(a1.email, '203.0.113.10');
    const c2 = await signIn(a2.email, '198.51.100.20');
    const cb = await signIn(b1.email, '192.0.2.30');

    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await c1.get('/api/v1/me', { 'x-forwarded-for': '203.0.113.10' })).statusCode);
      codes.push((await c2.get('/api/v1/me', { 'x-forwarded-for': '198.51.100.20' })).statusCode);
    }
    expect(codes).toEqual(Array(8).fill(200));
    // The ninth request of the tenant, from a third address, is over the budget.
    const over = await c2.get('/api/v1/me', { 'x-forwarded-for': '203.0.113.99' });
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect(over.json()).toMatchObject({ status: 429, code: 'tenant_rate_limited' });
    expect(over.json().detail).toContain('8');
    const retry = Number(over.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    const en = await c1.get('/api/v1/me', { 'x-forwarded-for': '203.0.113.10', 'accept-language': 'en' });
    expect(en.statusCode).toBe(429);
    expect(en.json().detail).toMatch(/too many requests/i);

    // Another tenant on the enterprise plan (20 per minute) is not affected.
    for (let i = 0; i < 12; i++) expect((await cb.get('/api/v1/me', { 'x-forwarded-for': '192.0.2.30' })).statusCode).toBe(200);
    // Requests without a tenant session do not count against any tenant.
    expect((await new Client(env.app).get('/api/v1/me', { 'x-forwarded-for': '203.0.113.10' })).statusCode).toBe(401);
  });
});
