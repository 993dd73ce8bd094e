import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN } from '../helpers.js';
import { contractInput, makeTenant, ok, type TestTenant, type UserClient } from '../contracts-helpers.js';
import { SCREENSHOTS, startBrowserEnv, type BrowserEnv } from './harness.js';

/**
 * Tenant configuration and metadata through the UI: custom fields and the approval workflow defined on the
 * settings page, a contract's details edited (a new version whose compare shows the changed amount), and an
 * approver who sees the approval request under the bell, opens it and has it marked read.
 */
describe('contracts UI: settings, metadata, notifications', () => {
  let b: BrowserEnv;
  let A: TestTenant;
  let admin: UserClient;
  let manager: UserClient;
  let legal: UserClient;
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `contracts-ux-${name}.png`), fullPage: true });
  const option = (page: Page, text: string) => page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: text }).first();

  beforeAll(async () => {
    b = await startBrowserEnv(ADMIN);
    A = await makeTenant(b.env, '杭州云栖数据科技有限公司', '91330106MA2H0XYZ1K');
    admin = await A.user(['tenant_admin'], '王管理');
    manager = await A.user(['contract_manager'], '李娜');
    legal = await A.user(['approver'], '周法务');
  });
  afterAll(async () => b?.close());

  async function as(user: UserClient): Promise<{ context: BrowserContext; page: Page }> {
    const context = await b.browser.newContext({ locale: 'zh-CN', baseURL: b.baseUrl, viewport: { width: 1366, height: 900 } });
    await context.addCookies(Object.entries(user.cookies).map(([name, value]) => ({ name, value, url: b.baseUrl })));
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return { context, page };
  }

  it('defines a custom field and a two-step workflow on the settings page, edits a contract’s details, and shows the approver a notification', async () => {
    // --- settings: a required custom field, then the workflow (法务 by name, then finance above ¥1,000,000)
    const a = await as(admin);
    await a.page.goto('/tenant/contracts/settings');
    await a.page.getByTestId('add-field').click();
    await a.page.getByTestId('field-key-0').fill('project_code');
    await a.page.getByTestId('field-label-zh-0').fill('项目编号');
    await a.page.getByTestId('field-label-en-0').fill('Project code');
    await a.page.getByTestId('field-required-0').check();
    await a.page.getByTestId('save-fields').click();
    await expect.poll(async () => ok<Array<{ key: string; required: boolean }>>(await admin.get('/api/v1/contract-fields'))).toEqual([expect.objectContaining({ key: 'project_code', required: true })]);

    await a.page.getByRole('tab', { name: '审批流程' }).click();
    await a.page.getByTestId('add-step').click();
    await a.page.getByTestId('step-name-0').fill('法务审核');
    await a.page.getByTestId('step-approver-kind-0').click();
    await option(a.page, '指定用户').click();
    await a.page.getByTestId('step-user-0').click();
    await a.page.keyboard.type('周法务');
    await option(a.page, '周法务').click();
    await a.page.getByTestId('add-step').click();
    await a.page.getByTestId('step-name-1').fill('财务审核');
    await a.page.getByTestId('step-min-amount-1').fill('1000000');
    await a.page.getByTestId('save-workflow').click();
    await expect
      .poll(async () => ok<{ steps: Array<{ name: string; approver: { kind: string; userId?: string }; when?: { minAmountFen?: number } }> } | null>(await admin.get('/api/v1/contract-workflow'))?.steps)
      .toEqual([
        expect.objectContaining({ name: '法务审核', approver: { kind: 'user', userId: legal.id } }),
        expect.objectContaining({ name: '财务审核', approver: { kind: 'role', role: 'approver' }, when: { minAmountFen: 100_000_000 } }),
      ]);
    await shot(a.page, '1-workflow');

    // --- a template with a typed variable (party)
    await a.page.getByRole('tab', { name: '合同模板' }).click();
    await a.page.getByTestId('template-name').fill('保密协议（简版）');
    await a.page.getByTestId('template-type').fill('nda');
    await a.page.getByTestId('add-variable').click();
    await a.page.getByTestId('var-name-0').fill('partyB');
    await a.page.getByTestId('var-label-0').fill('乙方');
    await a.page.getByTestId('var-type-0').click();
    await option(a.page, '相对方').click();
    await a.page.getByTestId('template-body').fill('甲方与{{partyB}}签订本保密协议。\n第一条 保密义务\n第二条 违约责任');
    await a.page.getByTestId('create-template').click();
    await expect
      .poll(async () => ok<Array<{ name: string; variables: unknown[] }>>(await admin.get('/api/v1/contract-templates')).find((x) => x.name === '保密协议（简版）')?.variables)
      .toEqual([{ name: 'partyB', label: '乙方', type: 'party' }]);
    await a.context.close();

    // --- a contract with the custom field; its details edited in the modal → version 2 with the amount change
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(2, { amountFen: 36_000_000, customFields: { project_code: 'YQ-2026-017' } })), 201);
    const m = await as(manager);
    await m.page.goto(`/tenant/contracts/${c.id}`);
    await m.page.getByTestId('contract-status').waitFor({ timeout: 45_000 });
    await expect.poll(() => m.page.getByTestId('custom-fields').innerText()).toContain('YQ-2026-017');
    await m.page.getByTestId('edit-metadata').click();
    await m.page.getByTestId('meta-amount').fill('420000');
    await m.page.getByTestId('cf-project_code').fill('YQ-2026-018');
    await m.page.getByTestId('save-metadata').click();
    await expect.poll(async () => ok<{ currentVersion: number; amountFen: number }>(await manager.get(`/api/v1/contracts/${c.id}`))).toMatchObject({ currentVersion: 2, amountFen: 42_000_000 });
    await m.page.getByRole('tab', { name: '版本' }).click();
    await m.page.getByTestId('diff-2').click();
    const changes = m.page.getByTestId('meta-changes');
    await expect.poll(() => changes.innerText()).toContain('¥420,000.00');
    expect(await changes.innerText()).toContain('¥360,000.00');
    expect(await changes.innerText()).toContain('YQ-2026-018');
    // Only what changed is listed: the counterparty went through the form unchanged.
    expect(await changes.locator('tbody tr').count()).toBe(2);
    await shot(m.page, '2-metadata-diff');
    // Follow it (expiry reminders go to followers too).
    await m.page.getByTestId('follow-button').click();
    await expect.poll(async () => ok<{ following: boolean }>(await manager.get(`/api/v1/contracts/${c.id}`)).following).toBe(true);
    await expect.poll(() => m.page.getByTestId('follow-button').innerText()).toContain('取消关注');
    await m.context.close();

    // --- the approver: the bell counts the request; opening it goes to the contract and marks it read
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    const l = await as(legal);
    await l.page.goto('/tenant');
    await expect.poll(() => l.page.getByTestId('notification-count').innerText()).toContain('1');
    await l.page.getByTestId('notification-bell').click();
    const item = l.page.getByTestId('notification-item').first();
    await expect.poll(() => item.innerText()).toContain(`有合同等待您审批`);
    await shot(l.page, '3-bell');
    await item.click();
    await l.page.waitForURL(new RegExp(`/tenant/contracts/${c.id}$`));
    await l.page.getByTestId('contract-status').waitFor({ timeout: 45_000 });
    await expect.poll(async () => ok<{ unread: number }>(await legal.get('/api/v1/contract-notifications/unread-count')).unread).toBe(0);
    await l.context.close();
  }, 240_000);
});
