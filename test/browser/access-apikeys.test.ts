import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, adminClient } from '../helpers.js';
import { PASSWORD, provisionTenant, setEntitlements, type TenantFixture } from '../accessHelpers.js';
import { SCREENSHOTS, newPage, startBrowserEnv, type BrowserEnv } from './harness.js';

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/**
 * API keys in a real browser: the tenant admin opens “API 密钥”, creates a key for a viewer role, sees the
 * token once (with a warning), an integration calls the API with it, the list shows when and from where,
 * and the admin revokes it with a reason.
 */
describe('API keys in the browser', () => {
  let b: BrowserEnv;
  let t: TenantFixture;

  beforeAll(async () => {
    b = await startBrowserEnv({ ...ADMIN, trustProxy: true });
    await b.env.services.security.bootstrapAdmin();
    t = await provisionTenant(b.env, 'huadong');
    const operator = await adminClient(b.env);
    await setEntitlements(operator, t.tenantId, { modules: ['drafting', 'approval', 'signing', 'archiving', 'api_access'], seatLimit: 10, tier: 'confidential' });
    expect((await t.admin.post('/api/v1/contracts', { title: '办公设备采购合同', type: 'purchase', sensitivity: 'internal', body: '第一条 标的' })).statusCode).toBe(201);
  }, 120_000);
  afterAll(async () => b?.close());

  it('create → token shown once → used by an integration → last use shown → revoke', async () => {
    const page = await newPage(b);
    await signIn(page, t.adminEmail, PASSWORD);
    await page.getByTestId('tenant-home').waitFor();
    await page.getByTestId('nav-access-api-keys').click();
    await page.waitForURL(/\/tenant\/access\/api-keys$/);

    await page.getByTestId('create-api-key').click();
    await page.getByTestId('api-key-name').fill('金蝶 ERP 同步');
    await page.getByTestId('api-key-role').click();
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: '查看者' }).first().click();
    await page.getByTestId('api-key-reason').fill('财务每晚同步合同台账');
    await page.getByTestId('api-key-submit').click();

    const tokenBox = page.getByTestId('api-key-token');
    await tokenBox.waitFor();
    const token = ((await tokenBox.textContent()) ?? '').trim();
    expect(token).toMatch(/^pk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(await page.locator('.ant-modal').filter({ hasText: 'API 密钥已创建' }).textContent()).toContain('只显示这一次');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'access-api-key-created.png'), fullPage: true });
    await page.getByTestId('api-key-token-done').click();
    await tokenBox.waitFor({ state: 'detached' });

    const row = page.locator('[data-testid=api-key-row][data-name="金蝶 ERP 同步"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('从未使用');
    // The token is nowhere on the page any more.
    expect(await page.content()).not.toContain(token.slice(-20));

    // An integration calls the API with it.
    const res = await b.env.app.inject({ method: 'GET', url: '/api/v1/contracts', remoteAddress: '203.0.113.25', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('办公设备采购合同');
    await page.reload();
    await expect.poll(async () => (await row.textContent()) ?? '', { timeout: 15_000 }).toContain('203.0.113.25');

    // Revoke with a reason.
    await row.getByTestId('api-key-revoke').click();
    await page.getByTestId('api-key-revoke-reason').fill('ERP 系统已下线');
    await page.getByTestId('api-key-revoke-confirm').click();
    await expect.poll(async () => (await row.getByTestId('api-key-status').textContent()) ?? '').toBe('已吊销');
    expect(await row.textContent()).toContain('ERP 系统已下线');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'access-api-keys-revoked.png'), fullPage: true });
    const after = await b.env.app.inject({ method: 'GET', url: '/api/v1/contracts', remoteAddress: '203.0.113.25', headers: { authorization: `Bearer ${token}` } });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('api_key_revoked');
  });
});
