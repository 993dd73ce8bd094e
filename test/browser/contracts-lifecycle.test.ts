import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN } from '../helpers.js';
import { codeFromMail, contractInput, inDays, makeTenant, ok, type TestTenant, type UserClient } from '../contracts-helpers.js';
import { startBrowserEnv, type BrowserEnv } from './harness.js';

/**
 * Lifecycle rules in the UI: the number scheme set on the settings card numbers new contracts; a returned
 * contract says why; editing a contract that is being signed warns first, and saving sends it back to approval.
 */
describe('contracts UI: number scheme, returned, change after approval', () => {
  let b: BrowserEnv;
  let A: TestTenant;
  let admin: UserClient;
  let manager: UserClient;
  let approver: UserClient;
  let signer: UserClient;

  beforeAll(async () => {
    b = await startBrowserEnv(ADMIN);
    A = await makeTenant(b.env, '京东科技控股股份有限公司', '91110302MA01NQHE9E');
    admin = await A.user(['tenant_admin'], '管理员');
    manager = await A.user(['contract_manager'], '李娜');
    approver = await A.user(['approver'], '周审批');
    signer = await A.user(['signer'], '马签署');
  });
  afterAll(async () => b?.close());

  async function as(user: UserClient): Promise<{ context: BrowserContext; page: Page }> {
    const context = await b.browser.newContext({ locale: 'zh-CN', baseURL: b.baseUrl, viewport: { width: 1366, height: 900 } });
    await context.addCookies(Object.entries(user.cookies).map(([name, value]) => ({ name, value, url: b.baseUrl })));
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return { context, page };
  }

  it('sets the number scheme on the settings card; refuses an invalid one with the reason', async () => {
    const a = await as(admin);
    await a.page.goto('/tenant/contracts/dashboard');
    const input = a.page.getByTestId('number-scheme');
    await input.waitFor({ timeout: 45_000 });
    await input.fill('JD-{YYYY}');
    await a.page.getByTestId('save-numbering').click();
    await expect.poll(() => a.page.getByTestId('numbering-settings').innerText()).toContain('序号占位符');
    await input.fill('JD{YY}-{seq:4}');
    await a.page.getByTestId('save-numbering').click();
    await expect.poll(() => a.page.getByTestId('save-numbering').innerText()).toContain('已保存');
    expect(await a.page.getByTestId('numbering-settings').innerText()).toContain(`JD${inDays(0).slice(2, 4)}-0001`);
    await a.context.close();
    const c = ok<{ number: string }>(await manager.post('/api/v1/contracts', contractInput(1)), 201);
    expect(c.number).toBe(`JD${inDays(0).slice(2, 4)}-0001`);
  });

  it('shows a returned contract as 已退回 with the comment, and warns before a change during signing sends it back to approval', async () => {
    const r = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(2, { title: '退回浏览器测试合同' })), 201);
    ok(await manager.post(`/api/v1/contracts/${r.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${r.id}/return`, { comment: '请补充验收标准' }));
    const m = await as(manager);
    await m.page.goto(`/tenant/contracts/${r.id}`);
    await m.page.getByTestId('contract-status').waitFor({ timeout: 45_000 });
    expect(await m.page.getByTestId('contract-status').innerText()).toBe('已退回');
    expect(await m.page.getByTestId('returned-notice').innerText()).toContain('请补充验收标准');
    expect(await m.page.getByTestId('submit-approval').count()).toBe(1);

    // A contract in signing: the edit warns, asks for confirmation, then goes back to approval.
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(2, { title: '签署中修改浏览器测试合同' })), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    ok(await manager.request('PUT', `/api/v1/contracts/${c.id}/signers`, { signers: [{ kind: 'internal', step: 1, userId: signer.id }, { kind: 'counterparty', step: 2, name: '刘洋', email: 'liu.yang@jd-specimen.example.com', partyName: '北京京东世纪贸易有限公司' }] }));
    ok(await manager.post(`/api/v1/contracts/${c.id}/signing`, { deadline: inDays(7) }));
    ok(await signer.post(`/api/v1/contracts/${c.id}/sign/code`), 202);
    ok(await signer.post(`/api/v1/contracts/${c.id}/sign`, { code: await codeFromMail(b.env, signer.email) }));
    await m.page.goto(`/tenant/contracts/${c.id}`);
    await expect.poll(() => m.page.getByTestId('contract-status').innerText()).toBe('签署中');
    await m.page.getByRole('button', { name: '编辑正文' }).click();
    expect(await m.page.getByTestId('void-warning').innerText()).toContain('退回审批');
    await m.page.getByTestId('body-editor').fill(`${contractInput(2).body}\n补充：验收以书面确认为准。`);
    await m.page.getByTestId('save-version').click();
    expect(await m.page.getByTestId('change-confirm-text').innerText()).toContain('作废本轮已完成的签署');
    await m.page.getByTestId('change-confirm-ok').click();
    await expect.poll(() => m.page.getByTestId('contract-status').innerText()).toBe('审批中');
    const d = ok<{ status: string; currentVersion: number; signerHistory: Array<{ voidReason: string }> }>(await manager.get(`/api/v1/contracts/${c.id}`));
    expect(d.status).toBe('in_approval');
    expect(d.signerHistory.map((s) => s.voidReason)).toEqual(['changed', 'changed']);
    await m.context.close();
  });
});
