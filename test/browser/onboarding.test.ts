import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, FIXTURES, lastMailTo } from '../helpers.js';
import { SCREENSHOTS, newPage, startBrowserEnv, type BrowserEnv } from './harness.js';

/**
 * The main job, in a real browser: an applicant completes the wizard with the specimen PDF, a reviewer
 * rejects it with a reason, the applicant resubmits, the reviewer approves, and the new tenant admin
 * signs in with the mailed password and changes it.
 */
describe('onboarding in the browser', () => {
  let b: BrowserEnv;
  const applicant = {
    companyName: '腾讯科技（深圳）有限公司',
    uscc: '91440300708461136T',
    registeredAddress: '深圳市南山区粤海街道麻岭社区科技中一路腾讯大厦35层',
    contactName: '李娜',
    contactMobile: '13800138002',
    contactEmail: 'contracts@tencent-specimen.example.com',
  };

  const REVIEWER = { email: 'shenhe.wang@pactum.test', password: 'Shenhe-Wang-2026!' };

  beforeAll(async () => {
    b = await startBrowserEnv(ADMIN);
    await b.env.services.security.bootstrapAdmin();
    // The decisions are made by a platform user with the `reviewer` role (not the super admin), created
    // the way the super admin does it; the reviewer replaces the system-issued password first.
    const sa = new Client(b.env.app);
    await sa.login(ADMIN.adminEmail, ADMIN.adminPassword);
    const created = await sa.post('/api/v1/platform/users', { email: REVIEWER.email, name: '王审核', roles: ['reviewer'] });
    expect(created.statusCode, created.body).toBe(201);
    const r = new Client(b.env.app);
    await r.login(REVIEWER.email, created.json().initialPassword);
    expect((await r.post('/api/v1/auth/password', { currentPassword: created.json().initialPassword, newPassword: REVIEWER.password })).statusCode).toBe(204);
  });
  afterAll(async () => b?.close());

  it('registers, is rejected, resubmits, is approved, and the tenant admin signs in', async () => {
    const page = await newPage(b);
    const codeFromMail = async () => /(\d{6})/.exec((await lastMailTo(b.env.dataDir, applicant.contactEmail, /验证码/)).text ?? '')![1]!;

    // --- the applicant: four steps
    await page.goto('/register');
    await page.getByTestId('field-companyName').fill(applicant.companyName);
    await page.getByTestId('field-uscc').fill('91440300708461136A'); // a typo first: wrong check character
    await page.getByTestId('field-registeredAddress').fill(applicant.registeredAddress);
    await page.getByTestId('next-button').click();
    await expect.poll(() => page.getByText('校验位不正确').count()).toBeGreaterThan(0);
    await page.getByTestId('field-uscc').fill(applicant.uscc);
    await page.getByTestId('next-button').click();

    await page.getByTestId('field-contactName').fill(applicant.contactName);
    await page.getByTestId('field-contactMobile').fill(applicant.contactMobile);
    await page.getByTestId('field-contactEmail').fill(applicant.contactEmail);
    await page.getByTestId('send-code-button').click();
    await page.getByTestId('code-sent-to').waitFor();
    await page.getByTestId('code-input').fill(await codeFromMail());
    await page.getByTestId('verify-code-button').click();
    await page.getByTestId('email-verified-tag').waitFor();
    await page.getByTestId('next-button').click();

    await page.getByTestId('license-upload').locator('input[type=file]').or(page.locator('input[type=file]')).first()
      .setInputFiles(path.join(FIXTURES, 'licenses/license-specimen.pdf'));
    await page.getByTestId('license-file-name').waitFor();
    await page.getByTestId('next-button').click();

    await page.getByTestId('consent-checkbox').check();
    await page.getByTestId('submit-button').click();
    await page.locator('[data-testid=registration-status][data-status=submitted]').waitFor();

    // --- the reviewer rejects with a reason
    const reviewer = await newPage(b);
    await reviewer.goto('/login');
    await reviewer.getByTestId('login-email').fill(REVIEWER.email);
    await reviewer.getByTestId('login-password').fill(REVIEWER.password);
    await reviewer.getByTestId('login-submit').click();
    await reviewer.getByTestId('registration-queue').waitFor();
    await reviewer.getByText(applicant.companyName).first().click();
    await reviewer.getByTestId('registration-detail').waitFor();
    await reviewer.locator('[data-testid=check-uscc][data-ok=true]').waitFor();
    await reviewer.locator('[data-testid=check-email][data-ok=true]').waitFor();
    await reviewer.locator('[data-testid=check-email-duplicates][data-ok=true]').waitFor();
    await reviewer.getByTestId('license-preview').waitFor();
    await reviewer.screenshot({ path: path.join(SCREENSHOTS, 'review-page.png'), fullPage: true });
    await reviewer.getByTestId('reject-button').click();
    await reviewer.getByTestId('reject-reason-license_unreadable').click();
    await reviewer.getByTestId('reject-comment').fill('执照扫描件不清晰，请重新上传。');
    await reviewer.getByTestId('confirm-reject').click();
    await reviewer.locator('[data-testid=status-tag][data-status=rejected]').first().waitFor();

    // --- the applicant's own browser still shows the status, with the reasons (the saved link survives)
    await page.goto('/register/status');
    await page.locator('[data-testid=registration-status][data-status=rejected]').waitFor();
    await expect.poll(() => page.getByTestId('rejection-comment').textContent()).toContain('执照扫描件不清晰');

    // --- the applicant follows the mailed link, fixes and resubmits
    const rejectionMail = await lastMailTo(b.env.dataDir, applicant.contactEmail, /未通过/);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/register\/resume\?[^\s]+)/.exec(rejectionMail.text ?? '')![1]!;
    await page.goto(link);
    await page.locator('[data-testid=registration-status][data-status=rejected]').waitFor();
    await expect.poll(() => page.getByTestId('rejection-comment').textContent()).toContain('执照扫描件不清晰');
    await page.getByTestId('resubmit-button').click();
    await page.getByTestId('field-companyName').waitFor();
    await page.getByTestId('next-button').click();
    await page.getByTestId('next-button').click();
    await page.locator('input[type=file]').first().setInputFiles(path.join(FIXTURES, 'licenses/license-specimen.png'));
    await expect.poll(() => page.getByTestId('license-file-name').textContent()).toContain('license-specimen.png');
    await page.getByTestId('next-button').click();
    await page.getByTestId('consent-checkbox').check();
    await page.getByTestId('submit-button').click();
    await page.locator('[data-testid=registration-status][data-status=submitted]').waitFor();

    // --- the reviewer sees what changed, and approves
    await reviewer.reload();
    await reviewer.getByTestId('version-2').waitFor();
    await reviewer.getByTestId('change-license').first().waitFor();
    await reviewer.screenshot({ path: path.join(SCREENSHOTS, 'review-page-v2.png'), fullPage: true });
    await reviewer.getByTestId('approve-button').click();
    await reviewer.getByTestId('confirm-approve').click();
    await reviewer.locator('[data-testid=status-tag][data-status=approved]').first().waitFor();

    // --- the applicant's status page now says approved and points to sign-in
    await page.goto('/register/status');
    await page.locator('[data-testid=registration-status][data-status=approved]').waitFor();
    await page.getByTestId('goto-login').waitFor();

    // --- the new tenant admin signs in with the mailed password and must change it
    const approval = await lastMailTo(b.env.dataDir, applicant.contactEmail, /开通/);
    const initial = /初始密码\s*(\S+)/.exec(approval.text ?? '')![1]!;
    const admin = await newPage(b);
    await admin.goto('/login');
    await admin.getByTestId('login-email').fill(applicant.contactEmail);
    await admin.getByTestId('login-password').fill(initial);
    await admin.getByTestId('login-submit').click();
    await admin.getByTestId('password-forced').waitFor();
    await admin.getByTestId('current-password').fill(initial);
    await admin.getByTestId('new-password').fill('Tengxun-Hetong-2026');
    await admin.getByTestId('confirm-password').fill('Tengxun-Hetong-2026');
    await admin.getByTestId('change-password-submit').click();
    await admin.getByTestId('tenant-home').waitFor();
    await expect.poll(() => admin.getByTestId('tenant-name').textContent()).toBe(applicant.companyName);
    expect(await admin.getByTestId('tenant-uscc').textContent()).toBe(applicant.uscc);
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'tenant-home.png'), fullPage: true });

    // --- and in English
    await admin.getByTestId('language-switch').click();
    await admin.getByText('English').click().catch(() => undefined);
    await expect.poll(async () => (await admin.locator('body').textContent()) ?? '').toMatch(/Welcome.*Company name/);
  });
});
