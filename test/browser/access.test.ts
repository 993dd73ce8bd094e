import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, multipart } from '../helpers.js';
import { PASSWORD, addUser, invitationToken, provisionTenant, type TenantFixture } from '../accessHelpers.js';
import { SCREENSHOTS, newPage, startBrowserEnv, type BrowserEnv } from './harness.js';

/** A minimal PDF (the attachment the viewer downloads). */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/** Opens an antd Select (by test id) and picks the option with this text. */
async function pick(page: Page, testId: string, option: string) {
  await page.getByTestId(testId).click();
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: option }).first().click();
}

/**
 * Users and permissions in a real browser: a tenant admin invites a viewer; the viewer accepts the mailed
 * link, signs in, views a contract and downloads its attachment but cannot create one (no button, and the API says 403);
 * the admin requests the "restricted" tier; the platform super admin approves it; the history shows it.
 */
describe('access in the browser', () => {
  let b: BrowserEnv;
  let t: TenantFixture;
  const viewerEmail = 'wang.fang@acme-specimen.example.com';
  const docBody = '第一条 标的\n甲方向乙方采购办公设备一批。';

  beforeAll(async () => {
    b = await startBrowserEnv({ ...ADMIN, trustProxy: true });
    await b.env.services.security.bootstrapAdmin();
    t = await provisionTenant(b.env, 'huadong');
    const doc = await t.admin.post('/api/v1/contracts', { title: '办公设备采购合同', type: 'purchase', sensitivity: 'public', body: docBody });
    expect(doc.statusCode).toBe(201);
    const m = multipart('file', '采购清单.pdf', PDF);
    const att = await t.admin.request('POST', `/api/v1/contracts/${doc.json().id}/attachments`, m.payload, m.headers);
    expect(att.statusCode, att.body).toBe(201);
  }, 120_000);
  afterAll(async () => b?.close());

  it('invite → accept → view and download but not create → request a tier → operator approves → history', async () => {
    // --- the tenant admin invites a viewer
    const admin = await newPage(b);
    await signIn(admin, t.adminEmail, PASSWORD);
    await admin.getByTestId('tenant-home').waitFor();
    await admin.goto('/tenant/access/users');
    await admin.getByTestId('invite-user').click();
    await admin.getByTestId('invite-email').fill(viewerEmail);
    await pick(admin, 'invite-role', '查看者');
    // The data scope applies at every level (public included): the viewer reads the whole tenant's contracts.
    await admin.keyboard.press('Escape'); // close the (multiple) role list
    await pick(admin, 'invite-scope', '全租户');
    await admin.getByTestId('invite-submit').click();
    const invRow = admin.locator(`[data-testid=invitation-row][data-email="${viewerEmail}"]`);
    await invRow.waitFor();
    expect(await invRow.textContent()).toContain('待接受');
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'access-users-invited.png'), fullPage: true });

    // --- the invitee opens the mailed link, sets a password, signs in
    const token = await invitationToken(b.env, viewerEmail);
    const viewer = await newPage(b);
    await viewer.goto(`/invite/${token}`);
    await viewer.getByTestId('accept-email').fill(viewerEmail);
    await viewer.getByTestId('accept-name').fill('王芳');
    await viewer.getByTestId('accept-password').fill('Wang-Fang-Hetong-2026');
    await viewer.getByTestId('accept-submit').click();
    // Hashing the password takes a while on a busy machine.
    await expect.poll(async () => (await viewer.locator('body').textContent()) ?? '', { timeout: 20_000 }).toContain('注册完成');
    await signIn(viewer, viewerEmail, 'Wang-Fang-Hetong-2026');
    await viewer.getByTestId('tenant-home').waitFor();

    // --- the viewer views the contract and downloads its attachment, and has no create button
    await viewer.goto('/tenant/contracts');
    const row = viewer.getByTestId('contract-table').locator('tr', { hasText: '办公设备采购合同' });
    await row.waitFor({ timeout: 45_000 });
    await row.locator('a').first().click();
    await viewer.waitForURL(/\/tenant\/contracts\/[0-9a-f-]{36}$/);
    await expect.poll(() => viewer.getByTestId('contract-body').textContent()).toContain('甲方向乙方采购办公设备一批');
    await viewer.screenshot({ path: path.join(SCREENSHOTS, 'access-viewer-contract.png'), fullPage: true });
    await viewer.getByText('附件').first().click();
    const [download] = await Promise.all([viewer.waitForEvent('download'), viewer.getByTestId('attachment-download').first().click()]);
    const file = await download.path();
    expect(fs.readFileSync(file!).equals(PDF)).toBe(true);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    expect(await viewer.getByTestId('submit-approval').count()).toBe(0);
    expect(await viewer.getByTestId('attachment-upload').count()).toBe(0);
    await viewer.goto('/tenant/contracts');
    await viewer.getByTestId('contract-table').locator('tr', { hasText: '办公设备采购合同' }).waitFor();
    expect(await viewer.getByTestId('new-contract').count()).toBe(0);
    const refused = await viewer.evaluate(async () => {
      const csrf = /(?:^|; )csrf_token=([^;]+)/.exec(document.cookie)?.[1] ?? '';
      const r = await fetch('/api/v1/contracts', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
        body: JSON.stringify({ title: '越权合同', type: 'other' }),
      });
      return { status: r.status, code: ((await r.json()) as { code?: string }).code };
    });
    expect(refused).toEqual({ status: 403, code: 'permission_denied' });

    // --- the admin requests the restricted tier
    await admin.goto('/tenant/access/requests');
    await admin.getByTestId('request-change').click();
    await pick(admin, 'request-type', '提升密级上限');
    await pick(admin, 'request-tier', '核心机密');
    await admin.getByTestId('request-reason').fill('法务部需要处理核心机密合同');
    await admin.getByTestId('request-submit').click();
    await expect.poll(async () => (await admin.locator('body').textContent()) ?? '').toContain('待审批');

    // --- the platform super admin approves it
    const operator = await newPage(b);
    await signIn(operator, ADMIN.adminEmail, ADMIN.adminPassword);
    await operator.getByTestId('registration-queue').waitFor();
    await operator.goto('/platform/access/requests');
    await operator.getByTestId('approve-request').first().click();
    await operator.getByTestId('decision-comment').fill('已核实，同意开通');
    await operator.getByTestId('approve-confirm').click();
    await expect.poll(() => operator.getByTestId('approve-request').count()).toBe(0); // left the pending queue
    await operator.screenshot({ path: path.join(SCREENSHOTS, 'access-operator-approved.png'), fullPage: true });
    await admin.goto('/tenant/access/requests');
    await expect.poll(async () => (await admin.locator('body').textContent()) ?? '').toContain('已生效');

    // --- the history shows the change
    await admin.goto('/tenant/access/history');
    // Labelled and readable: the kind and the tier by name, not as codes.
    const change = admin.getByTestId('history-row').filter({ hasText: '权益变更' }).first();
    await change.waitFor();
    expect(await change.textContent()).toContain('密级上限：机密 → 核心机密');
    expect(await change.textContent()).toContain('法务部需要处理核心机密合同');
    expect(await change.textContent()).not.toContain('entitlements.update');
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'access-history.png'), fullPage: true });
    const me = await t.admin.get('/api/v1/access/me');
    expect(me.json().entitlements.tier).toBe('restricted');
  }, 180_000);

  it('operator console: pages follow the platform roles; the over-reach report opens in both consoles', async () => {
    // A billing operator can see tenants but not registrations.
    const op = await newPage(b);
    await signIn(op, ADMIN.adminEmail, ADMIN.adminPassword);
    await op.getByTestId('registration-queue').waitFor();
    const created = await op.evaluate(async () => {
      const csrf = /(?:^|; )csrf_token=([^;]+)/.exec(document.cookie)?.[1] ?? '';
      const r = await fetch('/api/v1/platform/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
        body: JSON.stringify({ email: 'billing@pactum.test', name: '账务', roles: ['billing_ops'] }),
      });
      return (await r.json()) as { initialPassword: string };
    });
    const billing = await newPage(b);
    await signIn(billing, 'billing@pactum.test', created.initialPassword);
    await billing.getByTestId('password-forced').waitFor();
    await billing.getByTestId('current-password').fill(created.initialPassword);
    await billing.getByTestId('new-password').fill('Zhangwu-Caiwu-2026');
    await billing.getByTestId('confirm-password').fill('Zhangwu-Caiwu-2026');
    await billing.getByTestId('change-password-submit').click();
    await billing.getByTestId('tenant-link').first().waitFor(); // lands on the tenants page
    await billing.goto('/platform/registrations');
    await expect.poll(async () => (await billing.locator('body').textContent()) ?? '').toMatch(/403|无权/);
    expect(await billing.getByTestId('registration-queue').count()).toBe(0);

    // The tenant admin runs the over-reach audit; the operator opens the same report.
    const admin = await newPage(b);
    await signIn(admin, t.adminEmail, PASSWORD);
    await admin.getByTestId('tenant-home').waitFor();
    await admin.goto('/tenant/access/reports');
    await admin.getByTestId('report-run').click();
    await admin.getByTestId('report-detail').waitFor();
    expect(await admin.getByTestId('report-detail').textContent()).toContain('职责冲突');
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'access-report-tenant.png'), fullPage: true });
    await op.goto('/platform/access/reports');
    await op.getByTestId('report-open').first().click();
    await op.getByTestId('report-detail').waitFor();
    expect(await op.getByTestId('report-detail').textContent()).toContain('huadong 有限公司');
    await op.screenshot({ path: path.join(SCREENSHOTS, 'access-report-operator.png'), fullPage: true });
  }, 180_000);

  it('custom role from the translated catalogue; its holder sees the menu its permissions open; a user edit with its reason reads well in both languages', async () => {
    const admin = await newPage(b);
    await signIn(admin, t.adminEmail, PASSWORD);
    await admin.getByTestId('tenant-home').waitFor();

    // A custom role built from the catalogue, labelled by name and grouped by module.
    await admin.goto('/tenant/access/roles');
    await admin.getByTestId('create-role').click();
    await admin.getByTestId('role-name').fill('审计助理');
    // Grouped by module (核心 first) and labelled by name.
    const modal = admin.locator('.ant-modal');
    await expect.poll(async () => (await modal.textContent()) ?? '').toContain('基础');
    const auditBox = modal.locator('label.ant-checkbox-wrapper').filter({ hasText: '查看审计日志' });
    await auditBox.click();
    expect(await modal.locator('label.ant-checkbox-wrapper').filter({ hasText: 'audit.view' }).count()).toBe(0);
    await admin.locator('.ant-modal').getByTestId('reason-input').fill('季度合规审计需要');
    await admin.getByTestId('role-save').click();
    await expect.poll(async () => (await admin.locator('body').textContent()) ?? '').toContain('审计助理');
    const roles = (await t.admin.get('/api/v1/access/roles')).json().items as Array<{ id: string; name: string }>;
    t.roleIds.audit_assistant = roles.find((r) => r.name === '审计助理')!.id;

    // Its holder sees the history and reports menu items but not the user administration.
    const assistant = await addUser(b.env, t, 'zhou.jie', ['audit_assistant']);
    const ap = await newPage(b);
    await signIn(ap, assistant.email, PASSWORD);
    await ap.getByTestId('nav-access-history').waitFor();
    expect(await ap.getByTestId('nav-access-reports').count()).toBe(1);
    expect(await ap.getByTestId('nav-access-users').count()).toBe(0);
    expect(await ap.getByTestId('nav-access-roles').count()).toBe(0);

    // The admin renames the viewer and makes her an approver too, saying why.
    await admin.goto('/tenant/access/users');
    await admin.getByTestId('user-row').filter({ hasText: viewerEmail }).getByTestId('edit-user').click();
    await admin.getByTestId('edit-name').fill('王芳（法务）');
    await pick(admin, 'edit-role', '审批人');
    await admin.locator('.ant-modal-title').click(); // closes the multi-select's dropdown
    await admin.locator('.ant-modal').getByTestId('reason-input').fill('调岗至法务审批岗');
    await admin.getByTestId('edit-submit').click();
    await admin.getByTestId('user-row').filter({ hasText: '王芳（法务）' }).waitFor();

    await admin.goto('/tenant/access/history');
    const row = admin.getByTestId('history-row').filter({ hasText: '用户角色' }).filter({ hasText: viewerEmail }).first();
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('查看者');
    expect(text).toContain('审批人');
    expect(text).toContain('调岗至法务审批岗');
    expect(text).not.toMatch(/user\.roles|\{"/);
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'access-history-readable.png'), fullPage: true });

    // The same in English.
    const en = await newPage(b, 'en');
    await en.addInitScript(() => window.localStorage.setItem('pactum.lang', 'en')); // the language switch's choice
    await signIn(en, t.adminEmail, PASSWORD);
    await en.getByTestId('tenant-home').waitFor();
    await en.goto('/tenant/access/history');
    const enRow = en.getByTestId('history-row').filter({ hasText: 'User roles' }).filter({ hasText: viewerEmail }).first();
    await enRow.waitFor();
    const enText = (await enRow.textContent()) ?? '';
    expect(enText).toContain('Roles: Viewer → Approver, Viewer');
    const tier = en.getByTestId('history-row').filter({ hasText: 'Entitlements changed' }).first();
    expect(await tier.textContent()).toContain('Tier: Confidential → Restricted');
    expect((await en.locator('body').textContent()) ?? '').not.toMatch(/entitlements\.update|user\.roles|role\.create/);
    await en.goto('/tenant/access/roles');
    await en.getByTestId('create-role').click();
    await en.locator('.ant-modal label.ant-checkbox-wrapper').filter({ hasText: 'View the audit log' }).waitFor();
  }, 180_000);
});
