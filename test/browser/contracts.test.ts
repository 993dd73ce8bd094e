import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN } from '../helpers.js';
import { codeFromMail, fixtures, inDays, linkFromMail, makeTenant, ok, type TestTenant, type UserClient } from '../contracts-helpers.js';
import { SCREENSHOTS, startBrowserEnv, type BrowserEnv } from './harness.js';

/**
 * The whole contract lifecycle through the UI: draft from a template, approval in two steps by two different
 * approvers, signing by an internal signer and by a counterparty through the mailed link, archiving, a Chinese
 * search, the sealed PDF downloaded and verified on the public page, and one changed byte failing verification.
 */
describe('contracts UI: the whole lifecycle', () => {
  let b: BrowserEnv;
  let A: TestTenant;
  let manager: UserClient;
  let legal: UserClient;
  let finance: UserClient;
  let signer: UserClient;
  let archivist: UserClient;
  const counterpartyEmail = 'zhao.lei@xiaomi-specimen.example.com';
  const TITLE = '云平台技术服务合同（浏览器全流程）';
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `contracts-${name}.png`), fullPage: true });

  beforeAll(async () => {
    b = await startBrowserEnv(ADMIN);
    A = await makeTenant(b.env, '腾讯科技（深圳）有限公司', '91440300708461136T');
    const admin = await A.user(['tenant_admin'], '管理员');
    manager = await A.user(['contract_manager'], '李娜');
    legal = await A.user(['approver'], '周法务');
    finance = await A.user(['approver'], '吴财务');
    signer = await A.user(['signer'], '马签署');
    archivist = await A.user(['archivist'], '郑归档');
    ok(await admin.post('/api/v1/contract-templates', fixtures.template), 201);
    ok(
      await admin.request('PUT', '/api/v1/contract-workflow', {
        name: '两级审批',
        steps: [
          { name: '法务审核', approver: { kind: 'user', userId: legal.id }, mode: 'any' },
          { name: '财务审核', approver: { kind: 'user', userId: finance.id }, mode: 'any' },
        ],
      }),
    );
  });
  afterAll(async () => b?.close());

  async function as(user: UserClient): Promise<{ context: BrowserContext; page: Page }> {
    const context = await b.browser.newContext({ locale: 'zh-CN', baseURL: b.baseUrl, viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    await context.addCookies(Object.entries(user.cookies).map(([name, value]) => ({ name, value, url: b.baseUrl })));
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return { context, page };
  }

  async function openContract(page: Page, id: string, tab?: string) {
    await page.goto(`/tenant/contracts/${id}`);
    await page.getByTestId('contract-status').waitFor({ timeout: 45_000 });
    if (tab) await page.getByRole('tab', { name: tab }).click();
  }

  it('drafts from a template, approves in two steps, signs (internal + counterparty link), archives, finds it in Chinese, verifies the sealed PDF', async () => {
    // --- draft from the template
    const m = await as(manager);
    await m.page.goto('/tenant/contracts/new');
    await m.page.getByTestId('template-select').click();
    await m.page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: fixtures.template.name }).first().click();
    await m.page.getByTestId('contract-title').fill(TITLE);
    const byLabel = (label: string) => m.page.getByLabel(label, { exact: true }).last(); // the template's variables come last
    await byLabel('甲方').fill('腾讯科技（深圳）有限公司');
    await byLabel('乙方').fill('小米科技有限责任公司');
    await byLabel('乙方统一社会信用代码').fill('91110108551385082Q');
    await byLabel('服务内容').fill('云平台运维与技术支持');
    await byLabel('服务费（分）').fill('128000');
    await byLabel('开始日期').fill(inDays(1));
    await byLabel('开始日期').press('Enter');
    await byLabel('结束日期').fill(inDays(400));
    // Enter commits the date and submits the form (the same as clicking 保存).
    await byLabel('结束日期').press('Enter');
    await m.page.waitForURL(/\/tenant\/contracts\/[0-9a-f-]{36}$/);
    const id = /\/tenant\/contracts\/([0-9a-f-]{36})$/.exec(m.page.url())![1]!;
    await expect.poll(() => m.page.getByTestId('contract-status').innerText()).toBe('草稿');
    expect(await m.page.getByTestId('contract-body').innerText()).toContain('云平台运维与技术支持');
    await shot(m.page, '1-draft-from-template');
    await m.page.getByTestId('submit-approval').click();
    await expect.poll(() => m.page.getByTestId('contract-status').innerText()).toBe('审批中');
    // The drafter has no approve button (separation of duties; the API refuses too).
    await m.page.getByRole('tab', { name: '审批' }).click();
    expect(await m.page.getByTestId('approve-button').count()).toBe(0);

    // --- two steps, two different approvers
    for (const [who, next] of [[legal, '审批中'], [finance, '已审批']] as const) {
      const a = await as(who);
      await openContract(a.page, id, '审批');
      await a.page.getByTestId('approve-button').click();
      await expect.poll(() => a.page.getByTestId('contract-status').innerText()).toBe(next);
      await shot(a.page, `2-approved-by-${who === legal ? 'legal' : 'finance'}`);
      await a.context.close();
    }

    // --- signers: the internal signer first, then the counterparty; start signing
    await openContract(m.page, id, '签署');
    await m.page.getByTestId('add-signer').click();
    await m.page.getByTestId('signer-kind-0').click();
    await m.page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: '内部签署人' }).first().click();
    // The internal signer is chosen by name (the picker searches the tenant's people).
    await m.page.getByTestId('signer-user-0').click();
    await m.page.keyboard.type('马签署');
    await m.page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: '马签署' }).first().click();
    await m.page.getByTestId('add-signer').click();
    await m.page.getByTestId('signer-name-1').fill('赵磊');
    await m.page.getByTestId('signer-email-1').fill(counterpartyEmail);
    await m.page.getByTestId('signer-party-1').fill('小米科技有限责任公司');
    await m.page.getByTestId('save-signers').click();
    await expect.poll(async () => (await ok<{ signers: unknown[] }>(await manager.get(`/api/v1/contracts/${id}`))).signers.length).toBe(2);
    await m.page.getByTestId('signing-deadline').click();
    await m.page.getByTestId('signing-deadline').fill(inDays(7));
    await m.page.getByTestId('signing-deadline').press('Enter');
    await m.page.getByTestId('start-signing').click();
    await expect.poll(() => m.page.getByTestId('contract-status').innerText()).toBe('签署中');
    await shot(m.page, '3-signing-started');

    // --- the internal signer signs with the mailed code
    const s = await as(signer);
    await openContract(s.page, id, '签署');
    await s.page.getByTestId('request-code').click();
    await expect.poll(() => codeFromMail(b.env, signer.email).catch(() => '')).toMatch(/^\d{6}$/);
    await s.page.getByTestId('sign-code').fill(await codeFromMail(b.env, signer.email));
    await s.page.getByTestId('sign-button').click();
    await expect.poll(async () => (await ok<{ signers: Array<{ status: string }> }>(await manager.get(`/api/v1/contracts/${id}`))).signers[0]!.status).toBe('signed');
    await s.context.close();

    // --- the counterparty signs through the personal link (opened at step 2)
    await expect.poll(() => linkFromMail(b.env, counterpartyEmail).catch(() => '')).not.toBe('');
    const token = await linkFromMail(b.env, counterpartyEmail);
    const cp = await b.browser.newContext({ locale: 'zh-CN', baseURL: b.baseUrl });
    const cpPage = await cp.newPage();
    await cpPage.goto(`/sign/${encodeURIComponent(token)}`);
    await cpPage.getByText('获取邮箱验证码').click();
    await expect.poll(() => codeFromMail(b.env, counterpartyEmail).catch(() => '')).toMatch(/^\d{6}$/);
    await cpPage.getByTestId('sign-code').fill(await codeFromMail(b.env, counterpartyEmail));
    await cpPage.getByTestId('sign-button').click();
    await cpPage.getByTestId('sign-done').waitFor();
    await cpPage.screenshot({ path: path.join(SCREENSHOTS, 'contracts-4-counterparty-signed.png'), fullPage: true });
    await cp.close();

    // --- archive (archivist)
    const ar = await as(archivist);
    await openContract(ar.page, id);
    await expect.poll(() => ar.page.getByTestId('contract-status').innerText()).toBe('已签署');
    await ar.page.getByTestId('archive-button').click();
    await expect.poll(() => ar.page.getByTestId('contract-status').innerText()).toBe('已归档');
    await shot(ar.page, '5-archived');

    // --- search for it in Chinese (body text), open it, download the sealed PDF
    await ar.page.goto('/tenant/contracts');
    await ar.page.getByTestId('search-input').locator('input').fill('运维与技术支持');
    await ar.page.getByTestId('search-input').locator('input').press('Enter');
    await expect.poll(() => ar.page.getByTestId('contract-table').innerText()).toContain(TITLE);
    await shot(ar.page, '6-search');
    await ar.page.getByTestId('contract-table').locator('tr', { hasText: TITLE }).locator('a').first().click();
    await ar.page.getByTestId('download-sealed').waitFor();
    const [download] = await Promise.all([ar.page.waitForEvent('download'), ar.page.getByTestId('download-sealed').click()]);
    const sealed = fs.readFileSync((await download.path())!);
    expect(sealed.subarray(0, 5).toString()).toBe('%PDF-');
    await ar.context.close();

    // --- verify it on the public page (OK), then one changed byte (fails)
    const tmp = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'pactum-ui-'));
    const good = path.join(tmp, 'sealed.pdf');
    const bad = path.join(tmp, 'changed.pdf');
    fs.writeFileSync(good, sealed);
    const changed = Buffer.from(sealed);
    changed[Math.floor(changed.length / 2)] = changed[Math.floor(changed.length / 2)]! ^ 1;
    fs.writeFileSync(bad, changed);
    const v = await b.browser.newContext({ locale: 'zh-CN', baseURL: b.baseUrl });
    const vp = await v.newPage();
    await vp.goto('/verify');
    await vp.getByTestId('verify-upload').setInputFiles(good);
    await expect.poll(() => vp.getByTestId('verify-result').getAttribute('data-valid')).toBe('true');
    const result = await vp.getByTestId('verify-result').innerText();
    expect(result).toContain('马签署');
    expect(result).toContain('赵磊');
    await vp.screenshot({ path: path.join(SCREENSHOTS, 'contracts-7-verified.png'), fullPage: true });
    await vp.getByTestId('verify-upload').setInputFiles(bad);
    await expect.poll(() => vp.getByTestId('verify-result').getAttribute('data-valid')).toBe('false');
    await vp.screenshot({ path: path.join(SCREENSHOTS, 'contracts-8-changed-byte-fails.png'), fullPage: true });
    await v.close();
    await m.context.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 240_000);
});
