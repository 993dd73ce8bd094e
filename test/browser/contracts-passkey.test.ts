import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from '../helpers.js';
import { contractInput, inDays, makeTenant, ok, type TestTenant, type UserClient } from '../contracts-helpers.js';
import { SCREENSHOTS, startBrowserEnv, type BrowserEnv } from './harness.js';

/**
 * Passkey signing through the UI with Chromium's virtual authenticator (CDP WebAuthn domain): the signer
 * registers a passkey on the security page, then signs the contract with “用通行密钥签署”.
 * WebAuthn needs a valid RP id: the page and the server's public URL use `localhost`, not 127.0.0.1.
 */
describe('contracts UI: sign with a passkey', () => {
  let b: BrowserEnv;
  let base: string;
  let A: TestTenant;
  let manager: UserClient;
  let approver: UserClient;
  let signer: UserClient;

  beforeAll(async () => {
    b = await startBrowserEnv(ADMIN);
    base = b.baseUrl.replace('127.0.0.1', 'localhost');
    b.env.ctx.config.publicUrl = base;
    A = await makeTenant(b.env, '腾讯科技（深圳）有限公司', '91440300708461136T');
    manager = await A.user(['contract_manager'], '李娜');
    approver = await A.user(['approver'], '周审批');
    signer = await A.user(['signer'], '马签署');
  });
  afterAll(async () => b?.close());

  it('registers a passkey, sees “用通行密钥签署” beside the e-mail code, signs, and the signer is recorded as passkey', async () => {
    const context = await b.browser.newContext({ locale: 'zh-CN', baseURL: base, viewport: { width: 1366, height: 900 } });
    await context.addCookies(Object.entries(signer.cookies).map(([name, value]) => ({ name, value, url: base })));
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    await page.goto('/tenant/security');
    await page.getByTestId('passkey-name').fill('浏览器通行密钥');
    await page.getByTestId('passkey-add').click();
    await page.getByTestId('passkey-row').first().waitFor();

    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(1)), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    ok(await manager.request('PUT', `/api/v1/contracts/${c.id}/signers`, { signers: [{ kind: 'internal', step: 1, userId: signer.id }] }));
    ok(await manager.post(`/api/v1/contracts/${c.id}/signing`, { deadline: inDays(3) }));

    await page.goto(`/tenant/contracts/${c.id}`);
    await page.getByTestId('contract-status').waitFor({ timeout: 45_000 });
    await page.getByRole('tab', { name: '签署' }).click();
    await expect.poll(() => page.getByTestId('sign-passkey').innerText()).toContain('用通行密钥签署');
    await expect(page.getByTestId('request-code').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'contracts-passkey-1-offer.png'), fullPage: true });
    await page.getByTestId('sign-passkey').click();
    await expect.poll(() => page.getByTestId('contract-status').innerText(), { timeout: 30_000 }).toBe('已签署');
    const d = ok<{ signers: Array<{ method: string; credentialId: string | null }> }>(await manager.get(`/api/v1/contracts/${c.id}`));
    expect(d.signers[0]!.method).toBe('passkey');
    expect(d.signers[0]!.credentialId).toBeTruthy();
    await expect.poll(() => page.getByTestId('signer-method-0').innerText()).toBe('通行密钥');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'contracts-passkey-2-signed.png'), fullPage: true });
    await context.close();
  });
});
