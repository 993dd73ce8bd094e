import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { ADMIN, createTestEnv, type TestEnv } from '../helpers.js';
import { codeFromMail, contractInput, inDays, linkFromMail, makeTenant, ok, signedContract, type UserClient } from '../contracts-helpers.js';

/** The contracts UI in a real browser: search, create, submit; counterparty signing page; verification page. */
describe('contracts UI', () => {
  let env: TestEnv;
  let base: string;
  let browser: Browser;
  let manager: UserClient;
  let approver: UserClient;
  let signer: UserClient;
  let sealed: Buffer;
  const tmp = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'pactum-ui-'));

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    await env.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = env.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const A = await makeTenant(env, '腾讯科技（深圳）有限公司', '91440300708461136T');
    manager = await A.user(['contract_manager'], '李娜');
    approver = await A.user(['approver'], '周审批');
    signer = await A.user(['signer'], '马签署');
    const id = await signedContract(env, manager, approver, signer, contractInput(0));
    sealed = (await manager.get(`/api/v1/contracts/${id}/sealed.pdf`)).rawPayload;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function as(user: UserClient): Promise<BrowserContext> {
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addCookies(Object.entries(user.cookies).map(([name, value]) => ({ name, value, url: base })));
    return context;
  }

  it('searches Chinese text, creates a draft and submits it for approval', async () => {
    const context = await as(manager);
    const page = await context.newPage();
    await page.goto(`${base}/tenant/contracts`);
    await page.getByTestId('search-input').locator('input').fill('违约责任');
    await page.getByTestId('search-input').locator('input').press('Enter');
    await expect.poll(() => page.getByTestId('contract-table').innerText()).toContain('合同管理系统软件开发服务合同');

    await page.getByTestId('new-contract').click();
    await page.getByTestId('contract-title').fill('浏览器测试合同');
    await page.locator('textarea').fill('浏览器测试合同\n第一条 违约责任\n任何一方违约的，应承担违约责任。\n');
    await page.getByTestId('save-contract').click();
    await page.waitForURL(/\/tenant\/contracts\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByTestId('contract-status').innerText()).toBe('草稿');
    await page.getByTestId('submit-approval').click();
    await expect.poll(() => page.getByTestId('contract-status').innerText()).toBe('审批中');
    await context.close();
  });

  it('lets a counterparty sign through the personal link page', async () => {
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(2)), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    ok(await manager.request('PUT', `/api/v1/contracts/${c.id}/signers`, { signers: [{ kind: 'counterparty', step: 1, name: '赵磊', email: 'ht@xiaomi-specimen.example.com', partyName: '小米科技有限责任公司' }] }));
    ok(await manager.post(`/api/v1/contracts/${c.id}/signing`, { deadline: inDays(2) }));
    const token = await linkFromMail(env, 'ht@xiaomi-specimen.example.com');
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${base}/sign/${encodeURIComponent(token)}`);
    await page.getByText('获取邮箱验证码').click();
    await expect.poll(() => codeFromMail(env, 'ht@xiaomi-specimen.example.com').catch(() => '')).toMatch(/^\d{6}$/);
    await page.getByTestId('sign-code').fill(await codeFromMail(env, 'ht@xiaomi-specimen.example.com'));
    await page.getByTestId('sign-button').click();
    await page.getByTestId('sign-done').waitFor();
    const d = ok<{ status: string }>(await manager.get(`/api/v1/contracts/${c.id}`));
    expect(d.status).toBe('signed');
    await context.close();
  });

  it('verifies a sealed PDF on the public page, and rejects a changed one', async () => {
    const good = path.join(tmp, 'sealed.pdf');
    const bad = path.join(tmp, 'changed.pdf');
    fs.writeFileSync(good, sealed);
    const changed = Buffer.from(sealed);
    changed[1000] = changed[1000]! ^ 1;
    fs.writeFileSync(bad, changed);
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${base}/verify`);
    await page.getByTestId('verify-upload').setInputFiles(good);
    await expect.poll(() => page.getByTestId('verify-result').getAttribute('data-valid')).toBe('true');
    expect(await page.getByTestId('verify-result').innerText()).toContain('马签署');
    await page.getByTestId('verify-upload').setInputFiles(bad);
    await expect.poll(() => page.getByTestId('verify-result').getAttribute('data-valid')).toBe('false');
    await context.close();
  });
});
