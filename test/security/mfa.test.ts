import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestEnv, lastMailTo, type TestEnv } from '../helpers.js';
import { totpCode } from '../../src/modules/security/totp.js';
import { PASSWORD, SoftAuthenticator, seedTenant } from './helpers.js';

type Challenge = { mfaRequired: true; challengeId: string; methods: string[]; webauthn?: { challenge: string } };

describe('second factors at sign-in', () => {
  let env: TestEnv;
  let tenant: Awaited<ReturnType<typeof seedTenant>>;
  let clock = Date.UTC(2026, 11, 3, 2, 0, 5);
  const tick = (seconds: number) => {
    clock += seconds * 1000;
  };

  beforeAll(async () => {
    env = await createTestEnv();
    env.ctx.now = () => new Date(clock);
    tenant = await seedTenant(env);
  });
  afterAll(async () => env?.close());

  async function enrolTotp(c: Client) {
    const begin = await c.post('/api/v1/security/mfa/totp');
    expect(begin.statusCode).toBe(200);
    const { secret, otpauthUri, qrDataUrl } = begin.json() as { secret: string; otpauthUri: string; qrDataUrl: string };
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const confirm = await c.post('/api/v1/security/mfa/totp/confirm', { code: await totpCode(secret, new Date(clock)) });
    expect(confirm.statusCode).toBe(200);
    return { secret, confirmed: confirm.json() as { recoveryCodes: string[] | null; otherSessions: number } };
  }

  it('signs in without a second factor as before ({user, tenant} and a session cookie)', async () => {
    const u = await tenant.user('wang.wu@example.com');
    const c = new Client(env.app);
    const res = await c.post('/api/v1/auth/login', { email: u.email, password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { email: u.email, kind: 'tenant' }, tenant: { id: tenant.tenantId } });
    expect(c.cookies.pactum_session).toBeTruthy();
  });

  it('TOTP: enrolment with QR code, two-step sign-in with a new session id, replay and drift refused', async () => {
    const u = await tenant.user('li.si@example.com');
    const c = new Client(env.app);
    await c.login(u.email, PASSWORD);
    const first = await c.get('/api/v1/security/sessions');
    const firstSessionId = (first.json() as { items: Array<{ id: string; current: boolean }> }).items.find((s) => s.current)!.id;
    const { secret, confirmed } = await enrolTotp(c);
    expect(confirmed.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.recoveryCodes).size).toBe(10);
    expect(confirmed.otherSessions).toBe(0);
    expect((await c.get('/api/v1/security/mfa')).json()).toMatchObject({ totp: { enrolled: true }, recoveryCodesLeft: 10 });

    // Step 1: password only → a challenge and no session cookie.
    const d = new Client(env.app);
    const step1 = await d.post('/api/v1/auth/login', { email: u.email, password: PASSWORD });
    expect(step1.statusCode).toBe(200);
    const ch = step1.json() as Challenge;
    expect(ch).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery'] });
    expect(d.cookies.pactum_session).toBeUndefined();
    expect((await d.get('/api/v1/me')).statusCode).toBe(401);

    // The code used to confirm enrolment cannot be used again (same time step).
    const sameStep = await d.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'totp', code: await totpCode(secret, new Date(clock)) });
    expect(sameStep.statusCode).toBe(401);
    expect(sameStep.json().code).toBe('mfa_code_invalid');

    // Two steps of drift are refused; one step is accepted.
    tick(30);
    const twoBehind = await d.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'totp', code: await totpCode(secret, new Date(clock + 60_000)) });
    expect(twoBehind.statusCode).toBe(401);
    const oneAhead = await totpCode(secret, new Date(clock + 30_000));
    const ok = await d.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'totp', code: oneAhead });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ user: { email: u.email }, tenant: { id: tenant.tenantId } });
    expect(d.cookies.pactum_session).toBeTruthy();
    const mine = (await d.get('/api/v1/security/sessions')).json() as { items: Array<{ id: string; current: boolean }> };
    const newId = mine.items.find((s) => s.current)!.id;
    expect(newId).not.toBe(firstSessionId);

    // The challenge is spent, and the same code is refused on a fresh challenge (replay).
    expect((await d.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'totp', code: oneAhead })).json().code).toBe('mfa_challenge_invalid');
    const again = (await new Client(env.app).post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).json() as Challenge;
    const e = new Client(env.app);
    expect((await e.post('/api/v1/auth/login/mfa', { challengeId: again.challengeId, method: 'totp', code: oneAhead })).statusCode).toBe(401);

    // A recovery code works once.
    const rc = confirmed.recoveryCodes![0]!;
    expect((await e.post('/api/v1/auth/login/mfa', { challengeId: again.challengeId, method: 'recovery', code: rc.toUpperCase() })).statusCode).toBe(200);
    const third = (await new Client(env.app).post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).json() as Challenge;
    expect((await new Client(env.app).post('/api/v1/auth/login/mfa', { challengeId: third.challengeId, method: 'recovery', code: rc })).statusCode).toBe(401);

    // The audit log shows both steps.
    const actions = await env.ctx.db.tenant(tenant.tenantId, (tx) =>
      tx.query<{ action: string; outcome: string }>(`SELECT action, outcome FROM audit_events WHERE actor_id = $1 ORDER BY seq`, [u.id]),
    );
    expect(actions.map((a) => `${a.action}:${a.outcome}`)).toEqual(
      expect.arrayContaining(['mfa.totp.enrol:success', 'auth.login.password_ok:success', 'auth.login:failure', 'auth.login:success']),
    );
  });

  it('limits attempts per challenge', async () => {
    const u = await tenant.user('zhao.liu@example.com');
    const c = new Client(env.app);
    await c.login(u.email, PASSWORD);
    await enrolTotp(c);
    const ch = (await new Client(env.app).post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).json() as Challenge;
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await c.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'totp', code: '000000' })).statusCode);
    // The 5th failure locks the account (5 failures → lock) and the challenge is spent (5 attempts). The second
    // step checks the account lock first, so the 6th try — even with a right code — is refused as locked.
    const sixth = await c.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'totp', code: '000000' });
    expect(codes.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(sixth.statusCode).toBe(423);
    expect(sixth.json().code).toBe('account_locked');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    // Once the lock is lifted (password reset clears it), the spent challenge still refuses more attempts.
    await env.ctx.db.platform((tx) => tx.execute(`UPDATE login_throttle SET locked_until = NULL`));
    const seventh = await c.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'totp', code: '000000' });
    expect(seventh.statusCode).toBe(429);
    expect(seventh.json().code).toBe('mfa_too_many_attempts');
  });

  it('passkeys: registration and sign-in with a software authenticator (ES256, attestation none)', async () => {
    const u = await tenant.user('sun.qi@example.com');
    const c = new Client(env.app);
    await c.login(u.email, PASSWORD);
    const auth = new SoftAuthenticator('pactum.test', 'http://pactum.test');
    const opts = (await c.post('/api/v1/security/mfa/webauthn/options')).json() as { challenge: string; rp: { id: string } };
    expect(opts.rp.id).toBe('pactum.test');

    // A response for another origin is refused.
    const wrong = await c.post('/api/v1/security/mfa/webauthn', { response: auth.register(opts, 'http://evil.test'), name: 'x' });
    expect(wrong.statusCode).toBe(400);
    const opts2 = (await c.post('/api/v1/security/mfa/webauthn/options')).json() as { challenge: string };
    const reg = await c.post('/api/v1/security/mfa/webauthn', { response: auth.register(opts2), name: '我的笔记本' });
    expect(reg.statusCode).toBe(201);
    expect((reg.json() as { recoveryCodes: string[] }).recoveryCodes).toHaveLength(10);

    const d = new Client(env.app);
    const ch = (await d.post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).json() as Challenge;
    expect(ch.methods).toContain('webauthn');
    expect(ch.webauthn?.challenge).toBeTruthy();
    // An assertion over another challenge is refused.
    const forged = await d.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'webauthn', webauthnResponse: auth.authenticate({ challenge: opts2.challenge }) });
    expect(forged.statusCode).toBe(401);
    const ok = await d.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'webauthn', webauthnResponse: auth.authenticate(ch.webauthn!) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ user: { email: u.email } });
    const status = (await d.get('/api/v1/security/mfa')).json() as { passkeys: Array<{ name: string; lastUsedAt: string | null }> };
    expect(status.passkeys).toEqual([expect.objectContaining({ name: '我的笔记本', lastUsedAt: expect.any(String) })]);
  });

  it('SMS: codes only to a verified number, written to the SMS outbox, bound to the sign-in attempt', async () => {
    const u = await tenant.user('zhou.ba@example.com');
    const c = new Client(env.app);
    await c.login(u.email, PASSWORD);
    const smsDir = path.join(env.dataDir, 'outbox', 'sms');
    const lastSms = () => {
      const f = fs.readdirSync(smsDir).sort().at(-1)!;
      const text = fs.readFileSync(path.join(smsDir, f), 'utf8');
      return { text, code: /(\d{6})/.exec(text.split('\n\n')[1]!)![1]! };
    };
    const begin = await c.post('/api/v1/security/mfa/sms', { phone: '+8613812345678' });
    expect(begin.statusCode).toBe(200);
    const { challengeId } = begin.json() as { challengeId: string };
    expect(lastSms().text).toContain('To: +8613812345678');
    // Unverified: no SMS method at sign-in yet.
    expect((await new Client(env.app).post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).json()).toHaveProperty('user');
    expect((await c.post('/api/v1/security/mfa/sms/confirm', { challengeId, code: lastSms().code })).statusCode).toBe(200);

    const d = new Client(env.app);
    const ch = (await d.post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).json() as Challenge;
    expect(ch.methods).toEqual(['sms', 'recovery']);
    expect((await d.post('/api/v1/auth/login/mfa/sms', { challengeId: ch.challengeId })).json()).toMatchObject({ sentTo: '861****5678' });
    const code = lastSms().code;
    // Another sign-in attempt cannot use this code.
    const other = (await new Client(env.app).post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).json() as Challenge;
    expect((await d.post('/api/v1/auth/login/mfa', { challengeId: other.challengeId, method: 'sms', code })).statusCode).toBe(401);
    // Expired after 10 minutes.
    tick(11 * 60);
    expect((await d.post('/api/v1/auth/login/mfa', { challengeId: ch.challengeId, method: 'sms', code })).statusCode).toBe(401);
    const fresh = (await d.post('/api/v1/auth/login', { email: u.email, password: PASSWORD })).json() as Challenge;
    await d.post('/api/v1/auth/login/mfa/sms', { challengeId: fresh.challengeId });
    expect((await d.post('/api/v1/auth/login/mfa', { challengeId: fresh.challengeId, method: 'sms', code: lastSms().code })).statusCode).toBe(200);
  });

  it('changing a factor needs a fresh sign-in (re-authentication), and offers to end other sessions', async () => {
    const u = await tenant.user('qian.jiu@example.com');
    const c = new Client(env.app);
    await c.login(u.email, PASSWORD);
    const other = new Client(env.app);
    await other.login(u.email, PASSWORD);
    tick(11 * 60);
    await c.get('/api/v1/me');
    const stale = await c.post('/api/v1/security/mfa/totp');
    expect(stale.statusCode).toBe(403);
    expect(stale.json().code).toBe('reauth_required');
    expect((await c.post('/api/v1/auth/reauth', { password: 'wrong-password-1' })).statusCode).toBe(401);
    expect((await c.post('/api/v1/auth/reauth', { password: PASSWORD })).statusCode).toBe(200);
    const { confirmed } = await enrolTotp(c);
    expect(confirmed.otherSessions).toBe(1);
    expect((await c.post('/api/v1/security/sessions/end-others')).json()).toEqual({ ended: 1 });
    expect((await other.get('/api/v1/me')).statusCode).toBe(401);
    expect((await lastMailTo(env.dataDir, u.email, /验证设置已变更/)).text).toContain('身份验证器');
  });
});
