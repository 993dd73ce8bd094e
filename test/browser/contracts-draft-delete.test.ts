import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { ADMIN } from '../helpers.js';
import { contractInput, makeTenant, ok, signedContract, type TestTenant, type UserClient } from '../contracts-helpers.js';
import { startBrowserEnv, type BrowserEnv } from './harness.js';

/** Deleting a draft (with confirmation), exporting the list as CSV, and the analytics cards that need analytics.view. */
describe('contracts UI: delete a draft, export CSV, analytics cards', () => {
  let b: BrowserEnv;
  let A: TestTenant;
  let manager: UserClient;
  let viewer: UserClient;
  let admin: UserClient;

  beforeAll(async () => {
    b = await startBrowserEnv(ADMIN);
    A = await makeTenant(b.env, '北京字节跳动科技有限公司', '91110105MA01BYTE01');
    manager = await A.user(['contract_manager'], '李娜');
    viewer = await A.user(['viewer'], '钱查看');
    admin = await A.user(['tenant_admin'], '管理员');
  });
  afterAll(async () => b?.close());

  async function as(u: UserClient, locale = 'zh-CN'): Promise<BrowserContext> {
    const ctx = await b.browser.newContext({ locale, baseURL: b.baseUrl, viewport: { width: 1366, height: 900 } });
    await ctx.addCookies(Object.entries(u.cookies).map(([name, value]) => ({ name, value, url: b.baseUrl })));
    return ctx;
  }

  it('a contract manager deletes a draft after confirming; a viewer is not offered the button', async () => {
    const c = ok<{ id: string; number: string }>(await manager.post('/api/v1/contracts', contractInput(0, { title: '待删除的采购草稿' })), 201);

    const vc = await as(viewer);
    const vp = await vc.newPage();
    vp.setDefaultTimeout(20_000);
    await vp.goto(`/tenant/contracts/${c.id}`);
    await vp.getByTestId('contract-status').waitFor({ timeout: 45_000 });
    expect(await vp.getByTestId('delete-draft').count()).toBe(0);
    await vc.close();

    const mc = await as(manager);
    const page = await mc.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`/tenant/contracts/${c.id}`);
    await page.getByTestId('delete-draft').waitFor({ timeout: 45_000 });
    await page.getByTestId('delete-draft').click();
    await expect.poll(() => page.locator('.ant-popconfirm').innerText()).toContain('永久删除');
    await page.locator('#delete-draft-confirm').click();
    await page.waitForURL('**/tenant/contracts');
    await expect.poll(() => page.locator('body').innerText()).toContain(`草稿 ${c.number} 已删除`);
    expect((await manager.get(`/api/v1/contracts/${c.id}`)).statusCode).toBe(404);
    await mc.close();
  });

  it('a tenant admin exports the filtered list as CSV; the analytics cards appear only with analytics.view', async () => {
    await signedContract(b.env, manager, await A.user(['approver'], '周审批'), await A.user(['signer'], '马签署'), contractInput(1, { title: '已签署的设备采购合同' }));
    const ctx = await as(admin);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/tenant/contracts');
    await page.getByTestId('export-contracts').waitFor({ timeout: 45_000 });
    expect(await page.getByTestId('export-contracts').innerText()).toContain('导出 CSV');
    const href = await page.getByTestId('export-contracts').getAttribute('href');
    expect(href).toContain('/api/v1/contracts/export?');
    const csv = await page.evaluate(async (u) => (await fetch(u!, { headers: { 'accept-language': 'en' } })).text(), href);
    expect(csv).toContain('已签署的设备采购合同');
    expect(csv.split('\r\n')[0]).toContain('number,title,type,status');

    // The analytics module is not in the trial entitlements: no analytics card.
    await page.goto('/tenant/contracts/dashboard');
    await page.getByTestId('contract-dashboard').waitFor({ timeout: 45_000 });
    expect(await page.getByTestId('analytics-by-month').count()).toBe(0);
    await b.env.services.access.setEntitlements({ kind: 'system', label: 'test' }, A.id, { modules: ['drafting', 'approval', 'signing', 'archiving', 'analytics'], seatLimit: 20, tier: 'confidential', reason: '开通分析模块' }, {});
    await page.reload();
    await page.getByTestId('analytics-by-month').waitFor({ timeout: 45_000 });
    await expect.poll(() => page.getByTestId('analytics-by-type').innerText()).toContain('¥');
    await ctx.close();

    // A viewer (no analytics.view, no data.export) sees neither.
    const vc = await as(viewer);
    const vp = await vc.newPage();
    vp.setDefaultTimeout(20_000);
    await vp.goto('/tenant/contracts/dashboard');
    await vp.getByTestId('contract-dashboard').waitFor({ timeout: 45_000 });
    expect(await vp.getByTestId('analytics-by-month').count()).toBe(0);
    await vp.goto('/tenant/contracts');
    await vp.getByTestId('contract-table').waitFor({ timeout: 45_000 });
    expect(await vp.getByTestId('export-contracts').count()).toBe(0);
    await vc.close();
  });
});
