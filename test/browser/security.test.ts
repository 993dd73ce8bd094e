import path from 'node:path';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client } from '../helpers.js';
import { PASSWORD, addUser, provisionTenant } from '../accessHelpers.js';
import { SCREENSHOTS, newPage, startBrowserEnv, type BrowserEnv } from './harness.js';

const code = (secret: string, at: Date) =>
  generate({ secret, epoch: Math.floor(at.getTime() / 1000), period: 30, digits: 6, algorithm: 'sha1' });

/** Waits out the last seconds of a 30-second step, so that a code is not typed as its step ends. */
async function freshStep(): Promise<void> {
  const intoStep = (Date.now() / 1000) % 30;
  if (intoStep > 24) await new Promise((r) => setTimeout(r, (30 - intoStep + 0.5) * 1000));
}

/** Enrol TOTP, sign out, sign in with the code, see the session list and revoke one. */
describe('multi-factor sign-in in the browser', () => {
  let b: BrowserEnv;
  beforeAll(async () => {
    b = await startBrowserEnv({ ...ADMIN, trustProxy: true });
  });
  afterAll(async () => b?.close());

  it('enrols TOTP, signs in with it and revokes another session', async () => {
    const t = await provisionTenant(b.env, 'sec');
    // Another device of the same user, to be revoked from the browser.
    const other = new Client(b.env.app);
    await other.post('/api/v1/auth/login', { email: t.adminEmail, password: PASSWORD }, { 'x-forwarded-for': '203.0.113.9' });
    expect((await other.get('/api/v1/me')).statusCode).toBe(200);

    const page = await newPage(b);
    await page.goto('/login');
    await page.getByTestId('login-email').fill(t.adminEmail);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('tenant-home').waitFor();

    await page.goto('/tenant/security');
    await page.getByTestId('totp-enrol').click();
    await page.getByTestId('totp-qr').waitFor();
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await freshStep();
    await page.getByTestId('totp-code').fill(await code(secret, new Date()));
    await page.getByTestId('totp-confirm').click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(((await page.getByTestId('recovery-codes').textContent()) ?? '').length).toBeGreaterThan(50);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'security-totp-enrolled.png'), fullPage: true });

    // Sign out, then sign in again: the password alone is not enough any more.
    await page.getByTestId('user-menu').click();
    await page.getByText(/退出登录|Sign out|Log out/).click();
    await page.getByTestId('login-email').waitFor();
    await page.getByTestId('login-email').fill(t.adminEmail);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('mfa-code').waitFor();
    // The enrolment code was used once; the next time step's code (one step of drift) is new.
    await freshStep();
    await page.getByTestId('mfa-code').fill(await code(secret, new Date(Date.now() + 30_000)));
    await page.getByTestId('mfa-submit').click();
    await page.getByTestId('tenant-home').waitFor();

    await page.goto('/tenant/security');
    await expect.poll(() => page.getByTestId('session-row').count()).toBeGreaterThanOrEqual(2);
    const before = await page.getByTestId('session-row').count();
    await page.getByTestId('session-revoke').first().click();
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(before - 1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'security-sessions.png'), fullPage: true });
    // The revoked device is signed out on its next request.
    expect((await other.get('/api/v1/me')).statusCode).toBe(401);
  });

  it('asks for re-authentication in one dialog before a sensitive action, then carries it out (role, CSV export)', async () => {
    const t = await provisionTenant(b.env, 'reauth');
    const page = await newPage(b);
    await page.goto('/login');
    await page.getByTestId('login-email').fill(t.adminEmail);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('tenant-home').waitFor();
    // The sign-in was 11 minutes ago.
    const stale = () => b.env.ctx.db.platform((tx) => tx.execute(`UPDATE sessions SET reauth_at = now() - interval '11 minutes' WHERE revoked_at IS NULL`));
    await stale();

    await page.goto('/tenant/access/roles');
    await page.getByTestId('create-role').click();
    await page.locator('.ant-modal input#name').fill('法务审阅组');
    await page.locator('.ant-modal-footer .ant-btn-primary').first().click();
    await page.getByTestId('reauth-dialog').waitFor();
    await page.getByTestId('reauth-password').fill('wrong-password-123');
    await page.getByTestId('reauth-confirm').click();
    await page.getByTestId('reauth-dialog').getByTestId('problem-alert').waitFor();
    await page.getByTestId('reauth-password').fill(PASSWORD);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'security-reauth-dialog.png'), fullPage: true });
    await page.getByTestId('reauth-confirm').click();
    await page.getByRole('cell', { name: '法务审阅组' }).waitFor();
    const roles = (await t.admin.get('/api/v1/access/roles')).json() as { items: Array<{ name: string }> };
    expect(roles.items.some((r) => r.name === '法务审阅组')).toBe(true);

    await stale();
    await page.goto('/tenant/access/history');
    await page.getByTestId('history-export').click();
    await page.getByTestId('reauth-password').fill(PASSWORD);
    const download = page.waitForEvent('download');
    await page.getByTestId('reauth-confirm').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^permission-history-.*\.csv$/);
    const n = await b.env.ctx.db.platform(async (tx) =>
      (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND action = 'access.history.export'`, [t.tenantId])).n,
    );
    expect(n).toBe(1);
  });

  it('the security officer locks a user from an incident: the user is signed out at once, the step is on the timeline', async () => {
    await b.env.services.security.bootstrapAdmin();
    const t = await provisionTenant(b.env, '华北电气');
    const eve = await addUser(b.env, t, 'eve', ['viewer']);
    expect((await eve.client.get('/api/v1/security/sessions')).statusCode).toBe(200);

    const page = await newPage(b);
    await page.goto('/login');
    await page.getByTestId('login-email').fill(ADMIN.adminEmail);
    await page.getByTestId('login-password').fill(ADMIN.adminPassword);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/platform/);
    await page.goto('/platform/security/incidents');
    await page.getByTestId('incident-title').fill('账号 eve 疑似被盗用');
    await pick(page, 'incident-tenants', '华北电气');
    await page.keyboard.press('Escape');
    await page.getByTestId('incident-create').click();
    await page.getByRole('cell', { name: '账号 eve 疑似被盗用' }).click();
    await page.getByTestId('containment-card').waitFor();
    // The affected tenant is preselected; pick the user, give the reason, run "lock user".
    await pick(page, 'contain-user', eve.email);
    await page.getByTestId('contain-reason').fill('异地登录并批量下载');
    await page.getByTestId('contain-run').click();
    await expect.poll(async () => (await page.getByTestId('incident-timeline').textContent()) ?? '').toContain(`lock_user ${eve.email}`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'security-containment.png'), fullPage: true });
    const next = await eve.client.get('/api/v1/security/sessions');
    expect(next.statusCode).toBe(401);
    expect(next.json().code).toBe('account_disabled');
  });
});

/** Opens an antd Select (by test id) and picks the option with this text. */
async function pick(page: Page, testId: string, option: string) {
  await page.getByTestId(testId).click();
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: option }).first().click();
}
