import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from '../helpers.js';
import { contractInput, inDays, linkFromMail, makeTenant, ok, type TestTenant, type UserClient } from '../contracts-helpers.js';
import { startBrowserEnv, type BrowserEnv } from './harness.js';

/** A counterparty declines on the public signing page (reason required); the owner sees the record; the link then shows why it no longer works. */
describe('contracts UI: declining to sign', () => {
  let b: BrowserEnv;
  let A: TestTenant;
  let manager: UserClient;
  let approver: UserClient;
  const email = 'qian.decline@xiaomi-specimen.example.com';

  beforeAll(async () => {
    b = await startBrowserEnv(ADMIN);
    A = await makeTenant(b.env, '腾讯科技（深圳）有限公司', '91440300708461136T');
    manager = await A.user(['contract_manager'], '李娜');
    approver = await A.user(['approver'], '周审批');
  });
  afterAll(async () => b?.close());

  it('declines through the link with a reason; the owner sees the voided record; the old link explains it no longer works', async () => {
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(2, { title: '拒签浏览器测试合同' })), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    ok(await manager.request('PUT', `/api/v1/contracts/${c.id}/signers`, { signers: [{ kind: 'counterparty', step: 1, name: '钱敏', email, partyName: '小米科技有限责任公司' }] }));
    ok(await manager.post(`/api/v1/contracts/${c.id}/signing`, { deadline: inDays(7) }));
    const token = await linkFromMail(b.env, email);

    const cp = await b.browser.newContext({ locale: 'zh-CN', baseURL: b.baseUrl });
    const page = await cp.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`/sign/${encodeURIComponent(token)}`);
    await page.getByTestId('decline-button').click();
    expect(await page.getByTestId('decline-confirm').isDisabled()).toBe(true);
    await page.getByTestId('decline-reason').fill('违约金比例过高');
    await page.getByTestId('decline-confirm').click();
    await page.getByTestId('sign-declined').waitFor();

    const d = ok<{ status: string; signerHistory: Array<{ declineReason: string | null }> }>(await manager.get(`/api/v1/contracts/${c.id}`));
    expect(d.status).toBe('approved');
    expect(d.signerHistory[0]!.declineReason).toBe('违约金比例过高');

    await page.goto(`/sign/${encodeURIComponent(token)}`);
    await expect.poll(() => page.locator('body').innerText()).toContain('有签署人拒签');
    await cp.close();

    const mc = await b.browser.newContext({ locale: 'zh-CN', baseURL: b.baseUrl, viewport: { width: 1366, height: 900 } });
    await mc.addCookies(Object.entries(manager.cookies).map(([name, value]) => ({ name, value, url: b.baseUrl })));
    const mp = await mc.newPage();
    mp.setDefaultTimeout(20_000);
    await mp.goto(`/tenant/contracts/${c.id}`);
    await mp.getByTestId('contract-status').waitFor({ timeout: 45_000 });
    await mp.getByRole('tab', { name: '签署' }).click();
    await expect.poll(() => mp.getByTestId('signer-history').innerText()).toContain('违约金比例过高');
    await mc.close();
  });

  it('a tenant admin sets the reminder intervals on the contract dashboard', async () => {
    const admin = await A.user(['tenant_admin'], '管理员');
    const ctx = await b.browser.newContext({ locale: 'zh-CN', baseURL: b.baseUrl, viewport: { width: 1366, height: 900 } });
    await ctx.addCookies(Object.entries(admin.cookies).map(([name, value]) => ({ name, value, url: b.baseUrl })));
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/tenant/contracts/dashboard');
    await page.getByTestId('reminder-settings').waitFor({ timeout: 45_000 });
    await page.getByTestId('setting-approvalOverdueDays').fill('5');
    await page.getByTestId('save-reminder-settings').click();
    await expect.poll(async () => ok<{ approvalOverdueDays: number }>(await admin.get('/api/v1/contract-settings')).approvalOverdueDays).toBe(5);
    await ctx.close();
  });
});
