import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, multipart } from '../helpers.js';
import { PASSWORD, invitationToken, provisionTenant, type TenantFixture } from '../accessHelpers.js';
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
    await expect.poll(async () => (await viewer.locator('body').textContent()) ?? '').toContain('注册完成');
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
    const change = admin.getByTestId('history-row').filter({ hasText: 'entitlements.update' }).first();
    await change.waitFor();
    expect(await change.textContent()).toContain('restricted');
    expect(await change.textContent()).toContain('法务部需要处理核心机密合同');
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
});
