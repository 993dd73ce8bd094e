import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { assertSafeRole, type Driver } from '../src/platform/db/index.js';
import { ADMIN, Client, createTestEnv, type TestEnv } from './helpers.js';

describe('sign-in, sessions and the HTTP shell', () => {
  let env: TestEnv;
  beforeAll(async () => {
    // Real limits here (scale 1): this file is about them.
    env = await createTestEnv({ ...ADMIN, rateLimitScale: 1 });
    await env.services.security.bootstrapAdmin();
  });
  afterAll(async () => env?.close());

  it('sets an HttpOnly SameSite session cookie and a readable CSRF cookie', async () => {
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: ADMIN.adminEmail, password: ADMIN.adminPassword } });
    expect(res.statusCode).toBe(200);
    const session = res.cookies.find((c) => c.name === 'pactum_session')!;
    const csrf = res.cookies.find((c) => c.name === 'csrf_token')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(session.secure).toBeFalsy(); // plain http here; Secure behind TLS (SECURE_COOKIES / https public URL)
    expect(csrf.httpOnly).toBeFalsy();
    expect(res.json().user).toMatchObject({ kind: 'platform', roles: ['super_admin'], mustChangePassword: false });
  });

  it('gives the same answer for an unknown e-mail and a wrong password, and audits the failure', async () => {
    const a = await new Client(env.app).post('/api/v1/auth/login', { email: 'nobody@pactum.test', password: 'whatever-123' });
    const b = await new Client(env.app).post('/api/v1/auth/login', { email: ADMIN.adminEmail, password: 'wrong-password-1' });
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.json().code).toBe('invalid_credentials');
    expect(a.json().detail).toBe(b.json().detail);
    const failures = await env.ctx.db.platform((tx) => tx.query(`SELECT * FROM audit_events WHERE action = 'auth.login' AND outcome = 'failure'`));
    expect(failures.length).toBeGreaterThanOrEqual(2);
  });

  it('rate-limits sign-in attempts with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 12; i++) {
      last = await new Client(env.app, 'en').post('/api/v1/auth/login', { email: 'victim@pactum.test', password: `guess-${i}-xxxx` });
      statuses.push(last.statusCode);
    }
    // 5 failures lock the account (423, see test/security/account.test.ts); the route limit still answers 429 after 10.
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(5, 10).every((s) => s === 423)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.json().code).toBe('rate_limited');
    expect(last!.json().detail).toMatch(/Try again in \d+ (seconds|minutes)/);
  });

  it('counts registration drafts against the address budget only when they are valid (422s do not lock out a shared address)', async () => {
    const from = (payload: object) => env.app.inject({ method: 'POST', url: '/api/v1/registrations', payload, remoteAddress: '198.51.100.23', headers: { 'accept-language': 'en' } });
    for (let i = 0; i < 70; i++) expect((await from({ uscc: '91440300708461136X' })).statusCode).toBe(422);
    const ok = await from({ companyName: '深圳市腾讯计算机系统有限公司' });
    expect(ok.statusCode).toBe(201);
    let last = ok;
    for (let i = 0; i < 60 && last.statusCode !== 429; i++) last = await from({ companyName: `测试公司${i}` });
    expect(last.statusCode).toBe(429);
    expect(last.headers['retry-after']).toBeDefined();
  });

  it('ends the session at logout: the old cookie no longer works', async () => {
    const c = new Client(env.app);
    await c.login(ADMIN.adminEmail, ADMIN.adminPassword);
    const cookies = { ...c.cookies };
    expect((await c.get('/api/v1/me')).statusCode).toBe(200);
    expect((await c.post('/api/v1/auth/logout')).statusCode).toBe(204);
    const replay = await env.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `pactum_session=${cookies.pactum_session}` } });
    expect(replay.statusCode).toBe(401);
  });

  it('issues a new session id at every sign-in and ends the other sessions on a password change', async () => {
    const first = new Client(env.app);
    const second = new Client(env.app);
    await first.login(ADMIN.adminEmail, ADMIN.adminPassword);
    await second.login(ADMIN.adminEmail, ADMIN.adminPassword);
    expect(first.cookies.pactum_session).not.toBe(second.cookies.pactum_session);
    const changed = await second.post('/api/v1/auth/password', { currentPassword: ADMIN.adminPassword, newPassword: 'Another-Strong-Passphrase-7' });
    expect(changed.statusCode, changed.body).toBe(204);
    expect((await first.get('/api/v1/me')).statusCode).toBe(401);
    expect((await second.get('/api/v1/me')).statusCode).toBe(200);
    const back = await second.post('/api/v1/auth/password', { currentPassword: 'Another-Strong-Passphrase-7', newPassword: ADMIN.adminPassword });
    expect(back.statusCode).toBe(204);
  });

  it('refuses weak new passwords with reasons on the field', async () => {
    const c = new Client(env.app, 'en');
    await c.login(ADMIN.adminEmail, ADMIN.adminPassword);
    const res = await c.post('/api/v1/auth/password', { currentPassword: ADMIN.adminPassword, newPassword: 'password123' });
    expect(res.statusCode).toBe(422);
    const codes = (res.json().errors as Array<{ path: string; code: string }>).map((e) => `${e.path}:${e.code}`);
    expect(codes).toContain('newPassword:password_too_common');
    const mine = await c.post('/api/v1/auth/password', { currentPassword: ADMIN.adminPassword, newPassword: 'root@pactum.test-2026' });
    expect((mine.json().errors as Array<{ code: string }>).map((e) => e.code)).toContain('password_contains_identity');
  });

  it('lets the super admin create a reviewer with a one-time password that must be changed', async () => {
    const admin = new Client(env.app);
    await admin.login(ADMIN.adminEmail, ADMIN.adminPassword);
    const res = await admin.post('/api/v1/platform/users', { email: 'reviewer@pactum.test', name: '审核员', roles: ['reviewer'] });
    expect(res.statusCode, res.body).toBe(201);
    const reviewer = new Client(env.app);
    const me = await reviewer.login('reviewer@pactum.test', res.json().initialPassword);
    expect(me.user.mustChangePassword).toBe(true);
    expect((await reviewer.get('/api/v1/platform/registrations')).json().code).toBe('password_change_required');
    expect((await reviewer.post('/api/v1/auth/password', { currentPassword: res.json().initialPassword, newPassword: 'Shenhe-Yuan-2026!' })).statusCode).toBe(204);
    expect((await reviewer.get('/api/v1/platform/registrations')).statusCode).toBe(200);
    // Reading the queue is a platform read across applications: audited with who read it.
    const listed = await env.ctx.db.platform((tx) =>
      tx.query<{ actor_label: string }>(`SELECT actor_label FROM audit_events WHERE action = 'registration.queue' AND actor_id = $1`, [(me.user as unknown as { id: string }).id]),
    );
    expect(listed.length).toBe(1);
    // A reviewer is not a super admin.
    expect((await reviewer.post('/api/v1/platform/users', { email: 'x@pactum.test', name: 'x', roles: ['reviewer'] })).statusCode).toBe(403);
    // The same e-mail cannot be a second login.
    expect((await admin.post('/api/v1/platform/users', { email: 'Reviewer@Pactum.test', name: 'dup', roles: ['auditor'] })).statusCode).toBe(409);
  });

  it('marks cookies Secure behind a TLS-terminating proxy (TRUST_PROXY and X-Forwarded-Proto: https)', async () => {
    const proxied = await createTestEnv({ ...ADMIN, trustProxy: true });
    try {
      await proxied.services.security.bootstrapAdmin();
      const login = (headers: Record<string, string>) =>
        proxied.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers, payload: { email: ADMIN.adminEmail, password: ADMIN.adminPassword } });
      const tls = await login({ 'x-forwarded-proto': 'https' });
      expect(tls.statusCode).toBe(200);
      expect(tls.cookies.find((c) => c.name === 'pactum_session')!.secure).toBe(true);
      expect(tls.cookies.find((c) => c.name === 'csrf_token')!.secure).toBe(true);
      const plain = await login({});
      expect(plain.cookies.find((c) => c.name === 'pactum_session')!.secure).toBeFalsy();
    } finally {
      await proxied.close();
    }
    // Without TRUST_PROXY a client cannot claim https with a header.
    const spoof = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'x-forwarded-proto': 'https' }, payload: { email: ADMIN.adminEmail, password: ADMIN.adminPassword } });
    expect(spoof.cookies.find((c) => c.name === 'pactum_session')!.secure).toBeFalsy();
  });

  it('sends security headers, serves OpenAPI and health endpoints', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'self'");
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    const ready = await env.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    const spec = (await env.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as { paths: Record<string, unknown> };
    for (const p of ['/api/v1/registrations', '/api/v1/registrations/{id}/license', '/api/v1/auth/login', '/api/v1/platform/registrations/{id}/approve']) {
      expect(Object.keys(spec.paths)).toContain(p);
    }
  });

  it('refuses NUL bytes and lone surrogates anywhere in a request with 422, before any SQL', async () => {
    const a = await new Client(env.app).post('/api/v1/auth/login', { email: 'a\u0000@b.cn', password: 'x' });
    expect(a.statusCode).toBe(422);
    expect(a.json().errors[0]).toMatchObject({ path: 'email', code: 'control_characters' });
    const admin = new Client(env.app);
    await admin.login(ADMIN.adminEmail, ADMIN.adminPassword);
    const q = await admin.get('/api/v1/platform/registrations?q=%00');
    expect(q.statusCode).toBe(422);
    expect(q.json().errors[0].path).toBe('q');
    const s = await new Client(env.app).post('/api/v1/registrations', { companyName: '百度\ud800' });
    expect(s.statusCode).toBe(422);
    expect(s.json().errors[0]).toMatchObject({ path: 'companyName', code: 'invalid_characters' });
  });

  it('refuses a text/plain body to a JSON endpoint with 415', async () => {
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/registrations', headers: { 'content-type': 'text/plain' }, payload: '公司名称=示例' });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('unsupported_content_type');
  });

  it('answers an oversize JSON body with 413 problem details', async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/registrations',
      payload: JSON.stringify({ companyName: 'x'.repeat(2 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });
});

describe('start-up safety', () => {
  it('refuses to run as a superuser (RLS would not apply)', async () => {
    const pg = new PGlite();
    const driver: Driver = {
      kind: 'pglite',
      exclusive: async (fn) => fn({ query: async (t, p) => { const r = await pg.query(t, p); return { rows: r.rows as Record<string, unknown>[], rowCount: r.rows.length }; }, script: async (s) => void (await pg.exec(s)) }),
      close: () => pg.close(),
    };
    await expect(assertSafeRole(driver)).rejects.toThrow(/refusing to start/);
    await pg.exec(`CREATE ROLE safe_role NOSUPERUSER NOBYPASSRLS; SET ROLE safe_role;`);
    await expect(assertSafeRole(driver)).resolves.toBeUndefined();
    await pg.exec(`RESET ROLE; CREATE ROLE bypass_role NOSUPERUSER BYPASSRLS; SET ROLE bypass_role;`);
    await expect(assertSafeRole(driver)).rejects.toThrow(/bypasses RLS/);
    await driver.close();
  });

  it('creates the first admin with a generated password that must be changed, only once', async () => {
    const env = await createTestEnv({ adminEmail: undefined, adminPassword: undefined });
    try {
      const first = await env.services.security.bootstrapAdmin();
      expect(first.created).toBe(true);
      if (!first.created) return;
      expect(first.email).toBe('admin@pactum.local');
      expect(first.password!.length).toBeGreaterThanOrEqual(14);
      expect((await env.services.security.bootstrapAdmin()).created).toBe(false);
      const c = new Client(env.app);
      const me = await c.login(first.email, first.password!);
      expect(me.user.mustChangePassword).toBe(true);
    } finally {
      await env.close();
    }
  });
});
