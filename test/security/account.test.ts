import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, createTestEnv, lastMailTo, outbox, type TestEnv } from '../helpers.js';
import { totpCode } from '../../src/modules/security/totp.js';
import { PASSWORD, seedTenant } from './helpers.js';

describe('lockout, password reset, sessions and policies', () => {
  let env: TestEnv;
  let tenant: Awaited<ReturnType<typeof seedTenant>>;
  let clock = Date.UTC(2026, 11, 3, 2, 0, 5);
  const tick = (s: number) => {
    clock += s * 1000;
  };

  beforeAll(async () => {
    env = await createTestEnv();
    env.ctx.now = () => new Date(clock);
    tenant = await seedTenant(env);
  });
  afterAll(async () => env?.close());

  it('locks an account after 5 failures (423, Retry-After, notice mail), doubling on the next lock', async () => {
    const u = await tenant.user('lock.me@example.com');
    const c = new Client(env.app, 'en');
    for (let i = 0; i < 5; i++) expect((await c.post('/api/v1/auth/login', { email: u.email, password: 'Wrong-password-1' })).statusCode).toBe(401);
    const locked = await c.post('/api/v1/auth/login', { email: u.email, password: PASSWORD });
    expect(locked.statusCode).toBe(423);
    expect(locked.headers['retry-after']).toBe(String(15 * 60));
    expect(locked.json()).toMatchObject({ code: 'account_locked', detail: expect.stringContaining('15 more minutes') });
    const mail = await lastMailTo(env.dataDir, u.email, /locked/);
    expect(mail.text).toContain('15 minutes');

    tick(15 * 60 + 1);
    for (let i = 0; i < 5; i++) await c.post('/api/v1/auth/login', { email: u.email, password: 'Wrong-password-1' });
    const again = await c.post('/api/v1/auth/login', { email: u.email, password: PASSWORD });
    expect(again.statusCode).toBe(423);
    expect(again.headers['retry-after']).toBe(String(30 * 60));
    tick(30 * 60 + 1);
    expect((await c.post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).statusCode).toBe(200);
  });

  it('password reset: always 202, single-use expiring link, ends every session, does not bypass TOTP, clears the lock', async () => {
    const u = await tenant.user('reset.me@example.com');
    const c = new Client(env.app);
    await c.login(u.email, PASSWORD);
    const { secret } = (await c.post('/api/v1/security/mfa/totp')).json() as { secret: string };
    expect((await c.post('/api/v1/security/mfa/totp/confirm', { code: await totpCode(secret, new Date(clock)) })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) await new Client(env.app).post('/api/v1/auth/login', { email: u.email, password: 'Wrong-password-1' });

    const before = (await outbox(env.dataDir)).length;
    const unknown = await new Client(env.app).post('/api/v1/auth/password-reset', { email: 'nobody@example.com' });
    expect(unknown.statusCode).toBe(202);
    expect((await outbox(env.dataDir)).length).toBe(before);
    const req = await new Client(env.app).post('/api/v1/auth/password-reset', { email: u.email });
    expect(req.statusCode).toBe(202);
    const mail = await lastMailTo(env.dataDir, u.email, /重置/);
    const token = decodeURIComponent(/reset-password\?token=([^\s"&]+)/.exec(mail.text!)![1]!);

    const anon = new Client(env.app);
    const weak = await anon.post('/api/v1/auth/password-reset/confirm', { token, newPassword: 'short' });
    expect(weak.statusCode).toBe(422);
    const newPassword = 'Quiet-River-Stone-77';
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token, newPassword })).statusCode).toBe(204);
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token, newPassword: 'Another-Good-Pass-88' })).json().code).toBe('reset_token_invalid');
    // The session that was open before the reset is gone.
    expect((await c.get('/api/v1/me')).statusCode).toBe(401);
    // Old password refused, new one accepted (lock cleared) — but the second factor is still required.
    expect((await anon.post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).statusCode).toBe(401);
    const step1 = await anon.post('/api/v1/auth/login', { email: u.email, password: newPassword });
    expect(step1.json()).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery'] });
    expect(anon.cookies.pactum_session).toBeUndefined();

    // An expired link is refused.
    await new Client(env.app).post('/api/v1/auth/password-reset', { email: u.email });
    const t2 = decodeURIComponent(/reset-password\?token=([^\s"&]+)/.exec((await lastMailTo(env.dataDir, u.email, /重置/)).text!)![1]!);
    tick(31 * 60);
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token: t2, newPassword: 'Another-Good-Pass-88' })).statusCode).toBe(400);
  });

  it('lists my sessions with the current one marked; a revoked session gets 401 on its next request', async () => {
    const u = await tenant.user('sessions@example.com');
    const laptop = new Client(env.app);
    await laptop.login(u.email, PASSWORD);
    const phone = new Client(env.app);
    await phone.request('POST', '/api/v1/auth/login', { email: u.email, password: PASSWORD }, { 'user-agent': 'PactumPhone/1.0' });
    const list = (await laptop.get('/api/v1/security/sessions')).json() as { items: Array<{ id: string; current: boolean; userAgent: string | null; ip: string }> };
    expect(list.items).toHaveLength(2);
    expect(list.items.filter((s) => s.current)).toHaveLength(1);
    const phoneSession = list.items.find((s) => s.userAgent === 'PactumPhone/1.0')!;
    expect(phoneSession.current).toBe(false);
    expect(phoneSession.ip).toBe('127.0.0.1');
    expect((await phone.get('/api/v1/me')).statusCode).toBe(200);
    expect((await laptop.request('DELETE', `/api/v1/security/sessions/${phoneSession.id}`)).statusCode).toBe(204);
    expect((await phone.get('/api/v1/me')).statusCode).toBe(401);

    // Someone else's session cannot be ended by a plain user; a tenant admin can end a user's sessions.
    const other = await tenant.user('other@example.com');
    const oc = new Client(env.app);
    await oc.login(other.email, PASSWORD);
    const otherId = ((await oc.get('/api/v1/security/sessions')).json() as { items: Array<{ id: string }> }).items[0]!.id;
    expect((await laptop.request('DELETE', `/api/v1/security/sessions/${otherId}`)).statusCode).toBe(404);
    expect((await laptop.request('DELETE', `/api/v1/security/users/${other.id}/sessions`)).statusCode).toBe(403);
    const admin = await tenant.user('admin@example.com', ['tenant_admin']);
    const ac = new Client(env.app);
    await ac.login(admin.email, PASSWORD);
    expect((await ac.request('DELETE', `/api/v1/security/users/${other.id}/sessions`)).json()).toEqual({ ended: 1 });
    expect((await oc.get('/api/v1/me')).statusCode).toBe(401);
  });

  it('tenant policy: IP allow-list (IPv4 and IPv6 CIDR) enforced at sign-in and on every request; MFA required; retention ≥ 180 days', async () => {
    const t2 = await seedTenant(env, '第二公司');
    const admin = await t2.user('boss@second.example.com', ['tenant_admin']);
    const worker = await t2.user('worker@second.example.com');
    const ac = new Client(env.app);
    await ac.login(admin.email, PASSWORD);
    const wc = new Client(env.app);
    await wc.login(worker.email, PASSWORD);
    const base = (await ac.get('/api/v1/security/policy')).json() as Record<string, unknown>;
    expect(base).toMatchObject({ mfaRequired: 'off', auditRetentionDays: 180 });

    const bad = await ac.request('PUT', '/api/v1/security/policy', { ...base, ipAllowlist: ['10.0.0.0/33'], auditRetentionDays: 90 });
    expect(bad.statusCode).toBe(422);
    expect((bad.json() as { errors: Array<{ path: string; code: string }> }).errors.map((e) => e.code).sort()).toEqual(['cidr_invalid', 'retention_too_short']);
    const lockout = await ac.request('PUT', '/api/v1/security/policy', { ...base, ipAllowlist: ['10.0.0.0/8'] });
    expect(lockout.json().errors[0].code).toBe('allowlist_locks_out');

    const ok = await ac.request('PUT', '/api/v1/security/policy', { ...base, ipAllowlist: ['127.0.0.0/8', '2001:db8::/32'] });
    expect(ok.statusCode).toBe(200);
    expect((await wc.get('/api/v1/me')).statusCode).toBe(200);
    const from = (ip: string, url: string, method = 'GET', payload?: object) =>
      env.app.inject({ method: method as 'GET', url, remoteAddress: ip, payload, headers: { cookie: `pactum_session=${wc.cookies.pactum_session}` } });
    expect((await from('2001:db8:1::5', '/api/v1/me')).statusCode).toBe(200);
    const outside = await from('203.0.113.9', '/api/v1/me');
    expect(outside.statusCode).toBe(403);
    expect(outside.json().code).toBe('ip_not_allowed');
    const denied = await env.ctx.db.tenant(t2.tenantId, (tx) => tx.query<{ ip: string; outcome: string }>(`SELECT ip, outcome FROM audit_events WHERE action = 'auth.ip_denied'`));
    expect(denied).toEqual([{ ip: '203.0.113.9', outcome: 'denied' }]);
    const login = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '198.51.100.7', payload: { email: worker.email, password: PASSWORD } });
    expect(login.statusCode).toBe(403);
    expect(login.json().code).toBe('ip_not_allowed');

    // MFA required for everyone: a user without a factor may only set one up.
    await ac.request('PUT', '/api/v1/security/policy', { ...base, mfaRequired: 'all' });
    const w2 = new Client(env.app);
    const me = await w2.login(worker.email, PASSWORD);
    expect(me.user).toMatchObject({ mfaSetupRequired: true });
    expect((await w2.get('/api/v1/security/sessions')).json().code).toBe('mfa_setup_required');
    const { secret } = (await w2.post('/api/v1/security/mfa/totp')).json() as { secret: string };
    expect((await w2.post('/api/v1/security/mfa/totp/confirm', { code: await totpCode(secret, new Date(clock)) })).statusCode).toBe(200);
    expect((await w2.get('/api/v1/security/sessions')).statusCode).toBe(200);
    // Tenant policies are the tenant's own: the first tenant is unaffected.
    const firstTenantUser = await tenant.user('unaffected@example.com');
    expect((await new Client(env.app).login(firstTenantUser.email, PASSWORD)).user).toMatchObject({ mfaSetupRequired: false });
  });

  it('locks a client address after 20 failures across accounts (429)', async () => {
    const ip = '192.0.2.44';
    const post = (email: string, password: string) =>
      env.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { email, password } });
    for (let i = 0; i < 20; i++) expect((await post(`spray${i}@example.com`, 'Wrong-password-1')).statusCode).toBe(401);
    const u = await tenant.user('innocent@example.com');
    const blocked = await post(u.email, PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe('login_ip_locked');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Other addresses are unaffected.
    expect((await new Client(env.app).post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).statusCode).toBe(200);
  });
});

describe('platform security policy', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    await env.services.security.bootstrapAdmin();
  });
  afterAll(async () => env?.close());

  it('applies to platform operators: MFA for admins, password length; tenant admins cannot change it', async () => {
    const c = new Client(env.app, 'en');
    await c.login(ADMIN.adminEmail, ADMIN.adminPassword);
    const p = (await c.get('/api/v1/platform/security/policy')).json() as Record<string, unknown>;
    expect((await c.request('PUT', '/api/v1/platform/security/policy', { ...p, passwordMinLength: 16 })).statusCode).toBe(200);
    const short = await c.post('/api/v1/auth/password', { currentPassword: ADMIN.adminPassword, newPassword: 'Kettle-Moon-42x' });
    expect(short.statusCode).toBe(422);
    expect(short.json().errors).toEqual([expect.objectContaining({ path: 'newPassword', code: 'password_too_short' })]);
    expect((await c.request('PUT', '/api/v1/platform/security/policy', { ...p, passwordMinLength: 16, mfaRequired: 'admins' })).statusCode).toBe(200);
    // From now on even this session may only set up a second factor.
    expect((await c.get('/api/v1/platform/users')).json().code).toBe('mfa_setup_required');
    expect((await c.get('/api/v1/security/mfa')).statusCode).toBe(200);
    const again = new Client(env.app);
    const me = await again.login(ADMIN.adminEmail, ADMIN.adminPassword);
    expect(me.user).toMatchObject({ mfaSetupRequired: true });
    expect((await again.get('/api/v1/platform/users')).json().code).toBe('mfa_setup_required');
    const t = await seedTenant(env, '租户');
    await t.user('ta@tenant.example.com', ['tenant_admin']);
    const ta = new Client(env.app);
    await ta.login('ta@tenant.example.com', PASSWORD);
    expect((await ta.request('PUT', '/api/v1/platform/security/policy', { ...p })).statusCode).toBe(403);
  });
});
