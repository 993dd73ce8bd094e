import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, FIXTURES, adminClient, createTestEnv, lastMailTo, multipart, outbox, type TestEnv } from './helpers.js';

interface Application {
  companyName: string;
  uscc: string;
  registeredAddress: string;
  contactName: string;
  contactMobile: string;
  contactEmail: string;
  licenseFile: string;
  note?: string;
}
const valid = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'registrations/valid.json'), 'utf8')).applications as Application[];
const invalid = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'registrations/invalid.json'), 'utf8')).cases as Array<{
  field: string;
  value: string;
  why: string;
  status: number;
  code: string;
}>;
const licensePath = (rel: string) => path.resolve(FIXTURES, 'registrations', rel);

const EXPECTED_USCC: Record<string, string> = {
  '北京百度网讯科技有限公司': '91110000802100433B',
  '小米科技有限责任公司': '91110108551385082Q',
};

let env: TestEnv;
let privacyVersion: string;

async function count(table: string): Promise<number> {
  return env.ctx.db.platform(async (tx) => (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).n);
}

function blobCount(): number {
  const dir = path.join(env.dataDir, 'blobs');
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else n++;
    }
  };
  walk(dir);
  return n;
}

/** The applicant's side of the wizard: each step saves; returns the id and token. */
async function applyThroughWizard(app: Application, client = new Client(env.app)) {
  const step1 = await client.post('/api/v1/registrations', { companyName: app.companyName, uscc: app.uscc, registeredAddress: app.registeredAddress });
  expect(step1.statusCode, step1.body).toBe(201);
  const { id, resumeToken } = step1.json() as { id: string; resumeToken: string };
  const h = { 'x-resume-token': resumeToken };
  const step2 = await client.patch(`/api/v1/registrations/${id}`, { contactName: app.contactName, contactMobile: app.contactMobile, contactEmail: app.contactEmail }, h);
  expect(step2.statusCode, step2.body).toBe(200);
  const file = fs.readFileSync(licensePath(app.licenseFile));
  const mp = multipart('file', path.basename(app.licenseFile), file);
  const up = await env.app.inject({ method: 'PUT', url: `/api/v1/registrations/${id}/license`, payload: mp.payload, headers: { ...mp.headers, ...h } });
  expect(up.statusCode, up.body).toBe(200);
  const sent = await client.post(`/api/v1/registrations/${id}/email-code`, {}, h);
  expect(sent.statusCode, sent.body).toBe(202);
  const mail = await lastMailTo(env.dataDir, app.contactEmail, /验证码|verification code/);
  const code = /(\d{6})/.exec(mail.text ?? '')![1]!;
  const verified = await client.post(`/api/v1/registrations/${id}/email-code/verify`, { code }, h);
  expect(verified.statusCode, verified.body).toBe(200);
  const submitted = await client.post(`/api/v1/registrations/${id}/submit`, { consentVersion: privacyVersion }, h);
  expect(submitted.statusCode, submitted.body).toBe(200);
  return { id, token: resumeToken, h, registration: submitted.json() as Record<string, unknown> };
}

beforeAll(async () => {
  env = await createTestEnv(ADMIN);
  await env.services.security.bootstrapAdmin();
  privacyVersion = ((await env.app.inject({ method: 'GET', url: '/api/v1/legal/privacy' })).json() as { version: string }).version;
});
afterAll(async () => env?.close());

describe('registration fixtures: all five valid applications become working tenants', () => {
  const done: Array<{ app: Application; id: string; registration: Record<string, unknown> }> = [];

  it('accepts each application through the wizard, normalising USCC, mobile and license type', async () => {
    for (const app of valid) {
      const r = await applyThroughWizard(app);
      done.push({ app, id: r.id, registration: r.registration });
      expect(r.registration.status).toBe('submitted');
      expect(r.registration.version).toBe(1);
      expect(r.registration.uscc).toMatch(/^[0-9A-HJ-NPQRTUWXY]{18}$/);
      expect(r.registration.contactMobile).toMatch(/^\+861[3-9]\d{9}$/);
      if (EXPECTED_USCC[app.companyName]) expect(r.registration.uscc).toBe(EXPECTED_USCC[app.companyName]);
    }
    const baidu = done.find((d) => d.app.companyName === '北京百度网讯科技有限公司')!;
    // A PNG named .pdf: the content decides.
    expect((baidu.registration.license as { mimeType: string }).mimeType).toBe('image/png');
    expect(baidu.registration.contactMobile).toBe('+8613800138004');
    const huawei = done.find((d) => d.app.companyName === '华为技术有限公司')!;
    expect(huawei.registration.contactMobile).toBe('+8613800138003');
    const tencent = done.find((d) => d.app.companyName.startsWith('腾讯'))!;
    expect((tencent.registration.license as { mimeType: string }).mimeType).toBe('image/png');
  });

  it('stores contact data and the license encrypted at rest', async () => {
    const rows = await env.ctx.db.platform((tx) => tx.query<Record<string, string>>(`SELECT * FROM registrations`));
    for (const row of rows) {
      const raw = JSON.stringify(row);
      for (const app of valid) {
        expect(raw.toLowerCase()).not.toContain(app.contactEmail.toLowerCase());
        expect(raw).not.toContain(app.contactName);
        expect(raw).not.toContain('13800138');
      }
      expect(row.contact_email_enc).toMatch(/^v1\./);
    }
    const blobsDir = path.join(env.dataDir, 'blobs');
    const files: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
    walk(blobsDir);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const b = fs.readFileSync(f);
      expect(b.includes(Buffer.from('%PDF'))).toBe(false);
      expect(b.includes(Buffer.from('PNG'))).toBe(false);
    }
  });

  it('lets a reviewer see the queue with waiting time, the checks and the license inline (audited)', async () => {
    const admin = await adminClient(env);
    const list = await admin.get('/api/v1/platform/registrations?status=submitted');
    expect(list.statusCode, list.body).toBe(200);
    const body = list.json() as { total: number; items: Array<{ id: string; waitingSeconds: number; companyName: string }> };
    expect(body.total).toBe(5);
    expect(body.items.every((i) => typeof i.waitingSeconds === 'number')).toBe(true);
    const baidu = done.find((d) => d.app.companyName === '北京百度网讯科技有限公司')!;
    const detail = await admin.get(`/api/v1/platform/registrations/${baidu.id}`);
    expect(detail.statusCode).toBe(200);
    const d = detail.json() as { checks: Record<string, unknown>; registration: { contactEmail: string } };
    expect(d.checks).toMatchObject({ usccValid: true, emailVerified: true, licensePresent: true, licenseType: 'image/png', licenseTypeAllowed: true, duplicates: [] });
    expect(d.registration.contactEmail).toBe(baidu.app.contactEmail);
    const lic = await admin.get(`/api/v1/platform/registrations/${baidu.id}/license`);
    expect(lic.statusCode).toBe(200);
    expect(lic.headers['content-type']).toBe('image/png');
    expect(lic.rawPayload.equals(fs.readFileSync(licensePath(baidu.app.licenseFile)))).toBe(true);
    const views = await env.ctx.db.platform((tx) =>
      tx.query(`SELECT * FROM audit_events WHERE action = 'registration.license.view' AND object_id = $1`, [baidu.id]),
    );
    expect(views.length).toBe(1);
  });

  it('approves each one; the admin logs in with the mailed password, must change it, then sees the tenant', async () => {
    const admin = await adminClient(env);
    for (const { app, id } of done) {
      const res = await admin.post(`/api/v1/platform/registrations/${id}/approve`, { comment: '资料齐全' });
      expect(res.statusCode, res.body).toBe(200);
      const mail = await lastMailTo(env.dataDir, app.contactEmail, /开通|ready/);
      const text = mail.text ?? '';
      const password = /初始密码\s*(\S+)/.exec(text)?.[1];
      expect(password, text).toBeTruthy();
      expect(text.toLowerCase()).toContain(app.contactEmail.toLowerCase());

      const user = new Client(env.app);
      const me = await user.login(app.contactEmail, password!);
      expect(me.user.kind).toBe('tenant');
      expect(me.user.mustChangePassword).toBe(true);
      expect(me.tenant!.name).toBe(app.companyName);
      const blocked = await user.get('/api/v1/tenant');
      expect(blocked.statusCode).toBe(403);
      expect(blocked.json().code).toBe('password_change_required');
      const weak = await user.post('/api/v1/auth/password', { currentPassword: password, newPassword: '12345678' });
      expect(weak.statusCode).toBe(422);
      expect(weak.json().errors[0].path).toBe('newPassword');
      const changed = await user.post('/api/v1/auth/password', { currentPassword: password, newPassword: 'Hetong-Guanli-2026!' });
      expect(changed.statusCode, changed.body).toBe(204);
      const tenant = await user.get('/api/v1/tenant');
      expect(tenant.statusCode).toBe(200);
      expect(tenant.json()).toMatchObject({ name: app.companyName, status: 'active', plan: 'trial', timeZone: 'Asia/Shanghai' });
      // The initial password no longer works.
      const again = await new Client(env.app).post('/api/v1/auth/login', { email: app.contactEmail, password });
      expect(again.statusCode).toBe(401);
    }
    const tenants = await env.ctx.db.platform((tx) => tx.query<{ uscc: string }>(`SELECT uscc FROM tenants ORDER BY uscc`));
    expect(tenants.map((t) => t.uscc)).toContain('91110000802100433B');
    expect(tenants.length).toBe(5);
  });

  it('refuses a second registration of an approved company with 409', async () => {
    const huawei = valid.find((a) => a.companyName === '华为技术有限公司')!;
    const before = await count('registrations');
    const res = await new Client(env.app).post('/api/v1/registrations', { companyName: huawei.companyName, uscc: '914403001922038216' });
    expect(res.statusCode).toBe(409);
    expect(res.json().errors[0].path).toBe('uscc');
    expect(await count('registrations')).toBe(before);
  });
});

describe('invalid applications are refused with field, code and nothing saved', () => {
  const base = {
    companyName: '杭州示例科技有限公司',
    // Not one of the fixture companies (those are registered above); a valid code of its own.
    uscc: '91330106MA2CFK8R29',
    registeredAddress: '浙江省杭州市西湖区文三路100号',
    contactName: '测试员',
    contactMobile: '13800138009',
    contactEmail: 'tester@example-specimen.example.com',
  };

  it.each(invalid.filter((c) => c.status === 422 && c.field !== 'licenseFile'))(
    '$field = $value ($why) → $code',
    async (c) => {
      const before = await count('registrations');
      const res = await new Client(env.app, 'en').post('/api/v1/registrations', { ...base, [c.field]: c.value });
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const p = res.json() as { code: string; errors: Array<{ path: string; code: string; message: string }>; detail: string };
      expect(p.code).toBe('validation_failed');
      expect(p.errors.map((e) => e.path)).toEqual([c.field]);
      expect(p.errors[0]!.code).toBe(c.code);
      expect(p.errors[0]!.message.length).toBeGreaterThan(3);
      expect(await count('registrations')).toBe(before);
      // A PATCH of an existing draft is refused the same way and changes nothing.
      const draft = await new Client(env.app).post('/api/v1/registrations', base);
      const { id, resumeToken } = draft.json() as { id: string; resumeToken: string };
      const patch = await new Client(env.app).patch(`/api/v1/registrations/${id}`, { [c.field]: c.value }, { 'x-resume-token': resumeToken });
      expect(patch.statusCode).toBe(422);
      const after = await new Client(env.app).get(`/api/v1/registrations/${id}`, { 'x-resume-token': resumeToken });
      expect((after.json() as Record<string, unknown>)[c.field]).toBe(draft.json().registration[c.field]);
    },
  );

  it.each(invalid.filter((c) => c.field === 'licenseFile'))('license $value ($why) → $status $code, nothing stored', async (c) => {
    const r = await new Client(env.app).post('/api/v1/registrations', base);
    const { id, resumeToken } = r.json() as { id: string; resumeToken: string };
    const content = c.value.startsWith('generate:')
      ? Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(11 * 1024 * 1024 - 9, 0x20)])
      : fs.readFileSync(licensePath(c.value));
    const blobs = blobCount();
    const mp = multipart('file', path.basename(c.value.startsWith('generate:') ? 'big.pdf' : c.value), content);
    const res = await env.app.inject({ method: 'PUT', url: `/api/v1/registrations/${id}/license`, payload: mp.payload, headers: { ...mp.headers, 'x-resume-token': resumeToken } });
    expect(res.statusCode, res.body).toBe(c.status);
    expect(res.json().errors[0]).toMatchObject({ path: 'file', code: c.code });
    expect(blobCount()).toBe(blobs);
    expect((await new Client(env.app).get(`/api/v1/registrations/${id}`, { 'x-resume-token': resumeToken })).json().license).toBeNull();
  });

  it.each(invalid.filter((c) => c.status === 409))('$field = $value ($why) → 409 $code, nothing saved', async (c) => {
    // The fixture company with this code was approved by the first describe block.
    const before = await count('registrations');
    const res = await new Client(env.app).post('/api/v1/registrations', { ...base, [c.field]: c.value });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().errors[0]).toMatchObject({ path: c.field });
    expect(res.json().code).toBe(c.code);
    expect(await count('registrations')).toBe(before);
  });

  it('gives the specific codes a user needs to fix the USCC', async () => {
    const codeOf = async (uscc: string) =>
      ((await new Client(env.app).post('/api/v1/registrations', { uscc })).json() as { errors: Array<{ code: string }> }).errors[0]!.code;
    expect(await codeOf('91330100799655058A')).toBe('uscc_check_character');
    expect(await codeOf('91330100799655O58B')).toBe('uscc_charset');
    expect(await codeOf('330100000012345')).toBe('uscc_legacy_registration_number');
    expect(await codeOf('')).toBe('uscc_required');
  });

  it('answers in Chinese by default and in English on request', async () => {
    const zh = await new Client(env.app, 'zh-CN').post('/api/v1/registrations', { uscc: '330100000012345' });
    expect(zh.json().errors[0].message).toContain('统一社会信用代码');
    const en = await new Client(env.app, 'en-US,en;q=0.9').post('/api/v1/registrations', { uscc: '330100000012345' });
    expect(en.json().errors[0].message).toContain('18-character');
  });

  describe('license files whose name and content disagree', () => {
    let id: string;
    let h: Record<string, string>;
    beforeAll(async () => {
      const r = await new Client(env.app).post('/api/v1/registrations', base);
      ({ id } = r.json() as { id: string });
      h = { 'x-resume-token': (r.json() as { resumeToken: string }).resumeToken };
    });
    const upload = (content: Buffer, name: string) => {
      const mp = multipart('file', name, content);
      return env.app.inject({ method: 'PUT', url: `/api/v1/registrations/${id}/license`, payload: mp.payload, headers: { ...mp.headers, ...h } });
    };

    it.each([
      ['executable-named-as.pdf', 415, 'file_type_refused'],
      ['html-named-as.png', 415, 'file_type_unknown'],
      ['empty.pdf', 422, 'file_empty'],
    ])('%s → %i %s, nothing stored', async (name, status, code) => {
      const blobs = blobCount();
      const res = await upload(fs.readFileSync(path.join(FIXTURES, 'licenses', name)), name);
      expect(res.statusCode, res.body).toBe(status);
      const p = res.json() as { errors: Array<{ path: string; code: string }> };
      expect(p.errors[0]).toMatchObject({ path: 'file', code });
      expect(blobCount()).toBe(blobs);
      const r = await new Client(env.app).get(`/api/v1/registrations/${id}`, h);
      expect(r.json().license).toBeNull();
    });

    it('refuses 11 MiB (PDF-prefixed) with 413 before reading it', async () => {
      const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(11 * 1024 * 1024 - 9, 0x20)]);
      const blobs = blobCount();
      const res = await upload(big, 'big.pdf');
      expect(res.statusCode).toBe(413);
      expect(res.json().errors[0]).toMatchObject({ path: 'file', code: 'file_too_large' });
      expect(blobCount()).toBe(blobs);
    });

    it('refuses a file that grows past 10 MiB inside a body that did not announce it, deleting the partial file', async () => {
      // 10 MiB + 16 KiB: below the early Content-Length cut-off, so the stream limit must catch it.
      const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(10 * 1024 * 1024 + 16 * 1024, 0x20)]);
      const blobs = blobCount();
      const res = await upload(big, 'big.pdf');
      expect(res.statusCode).toBe(413);
      expect(blobCount()).toBe(blobs);
      const r = await new Client(env.app).get(`/api/v1/registrations/${id}`, h);
      expect(r.json().license).toBeNull();
    });

    it('accepts a JPEG specimen (type by content)', async () => {
      const res = await upload(fs.readFileSync(path.join(FIXTURES, 'licenses/license-specimen.jpg')), 'scan.bin');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().license.mimeType).toBe('image/jpeg');
    });
  });
});

describe('the applicant’s journey: codes, tokens, rejection and resubmission', () => {
  const app: Application = {
    companyName: '深圳示例贸易有限公司',
    uscc: '',
    registeredAddress: '深圳市南山区科技园南区1号',
    contactName: '周敏',
    contactMobile: '13900139000',
    contactEmail: 'zhoumin@example-trade.example.com',
    licenseFile: '../licenses/license-specimen.pdf',
  };
  // A valid code of its own, so that it does not collide with the fixture companies.
  app.uscc = '91440300MA5F11110W';

  it('mails nothing to an unverified address but the code, whose mail carries the resume link; drafts stay hidden without the token', async () => {
    const c = new Client(env.app);
    const before = (await outbox(env.dataDir)).length;
    const r = await c.post('/api/v1/registrations', { companyName: '您的账户存在风险，请立即访问 http://evil.example 核验', contactEmail: app.contactEmail });
    const { id, resumeToken } = r.json() as { id: string; resumeToken: string };
    for (const victim of ['v1@qa.example.cn', 'v2@qa.example.cn', app.contactEmail]) {
      expect((await c.patch(`/api/v1/registrations/${id}`, { contactEmail: victim }, { 'x-resume-token': resumeToken })).statusCode).toBe(200);
    }
    // Creating a draft and changing its address send no mail at all (Pactum is no relay).
    expect((await outbox(env.dataDir)).length).toBe(before);
    expect((await c.post(`/api/v1/registrations/${id}/email-code`, {}, { 'x-resume-token': resumeToken })).statusCode).toBe(202);
    const mail = await lastMailTo(env.dataDir, app.contactEmail, /验证码|verification code/);
    expect(mail.text).not.toContain('evil.example');
    const link = /https?:\/\/\S+register\/resume\?id=([0-9a-f-]+)&token=([\w-]+)/.exec(mail.text ?? '')!;
    expect(link[1]).toBe(id);
    const byLink = await c.get(`/api/v1/registrations/${id}`, { 'x-resume-token': link[2]! });
    expect(byLink.statusCode).toBe(200);
    expect((await c.get(`/api/v1/registrations/${id}`)).statusCode).toBe(404);
    expect((await c.get(`/api/v1/registrations/${id}`, { 'x-resume-token': 'nope' })).statusCode).toBe(404);
    const other = await c.post('/api/v1/registrations', { companyName: '别的公司有限公司' });
    expect((await c.get(`/api/v1/registrations/${id}`, { 'x-resume-token': other.json().resumeToken })).statusCode).toBe(404);
    // Changing the address again revokes the link mailed to the old one; this browser's token still works.
    expect((await c.patch(`/api/v1/registrations/${id}`, { contactEmail: 'new-owner@qa.example.cn' }, { 'x-resume-token': resumeToken })).statusCode).toBe(200);
    expect((await c.get(`/api/v1/registrations/${id}`, { 'x-resume-token': link[2]! })).statusCode).toBe(404);
    expect((await c.get(`/api/v1/registrations/${id}`, { 'x-resume-token': resumeToken })).statusCode).toBe(200);
  });

  it('caps code mails per address per day', async () => {
    const c = new Client(env.app);
    const realNow = env.ctx.now;
    let t = realNow().getTime();
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const r = await c.post('/api/v1/registrations', { contactEmail: 'flood@qa.example.cn' });
        t += 61_000;
        env.ctx.now = () => new Date(t);
        statuses.push((await c.post(`/api/v1/registrations/${r.json().id}/email-code`, {}, { 'x-resume-token': r.json().resumeToken })).statusCode);
      }
    } finally {
      env.ctx.now = realNow;
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('limits code attempts, expires codes and throttles resends', async () => {
    const c = new Client(env.app);
    const r = await c.post('/api/v1/registrations', { contactEmail: 'codes@example-trade.example.com' });
    const { id, resumeToken } = r.json() as { id: string; resumeToken: string };
    const h = { 'x-resume-token': resumeToken };
    expect((await c.post(`/api/v1/registrations/${id}/email-code/verify`, { code: '123456' }, h)).json().errors[0].code).toBe('code_not_sent');
    expect((await c.post(`/api/v1/registrations/${id}/email-code`, {}, h)).statusCode).toBe(202);
    const resend = await c.post(`/api/v1/registrations/${id}/email-code`, {}, h);
    expect(resend.statusCode).toBe(429);
    expect(Number(resend.headers['retry-after'])).toBeGreaterThan(0);
    const code = /(\d{6})/.exec((await lastMailTo(env.dataDir, 'codes@example-trade.example.com', /验证码/)).text ?? '')![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await c.post(`/api/v1/registrations/${id}/email-code/verify`, { code: wrong }, h);
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0].code).toBe('code_invalid');
    }
    const locked = await c.post(`/api/v1/registrations/${id}/email-code/verify`, { code }, h);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('too_many_attempts');

    // A new code, then time passes beyond ten minutes.
    const realNow = env.ctx.now;
    env.ctx.now = () => new Date(realNow().getTime() + 61_000);
    expect((await c.post(`/api/v1/registrations/${id}/email-code`, {}, h)).statusCode).toBe(202);
    const code2 = /(\d{6})/.exec((await lastMailTo(env.dataDir, 'codes@example-trade.example.com', /验证码/)).text ?? '')![1]!;
    env.ctx.now = () => new Date(realNow().getTime() + 61_000 + 11 * 60_000);
    const expired = await c.post(`/api/v1/registrations/${id}/email-code/verify`, { code: code2 }, h);
    env.ctx.now = realNow;
    expect(expired.json().errors[0].code).toBe('code_expired');
  });

  it('will not submit an incomplete or unverified application, and says what is missing', async () => {
    const c = new Client(env.app);
    const r = await c.post('/api/v1/registrations', { companyName: app.companyName, contactEmail: 'incomplete@example-trade.example.com' });
    const { id, resumeToken } = r.json() as { id: string; resumeToken: string };
    const res = await c.post(`/api/v1/registrations/${id}/submit`, { consentVersion: privacyVersion }, { 'x-resume-token': resumeToken });
    expect(res.statusCode).toBe(422);
    const paths = (res.json().errors as Array<{ path: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(['contactEmail', 'contactMobile', 'contactName', 'file', 'registeredAddress', 'uscc'].sort());
    const old = await c.post(`/api/v1/registrations/${id}/submit`, { consentVersion: '1999-01' }, { 'x-resume-token': resumeToken });
    expect((old.json().errors as Array<{ path: string }>).map((e) => e.path)).toContain('consentVersion');
  });

  it('rejects with reasons, mails them with a link, and shows the reviewer what the resubmission changed', async () => {
    const applied = await applyThroughWizard(app);
    const admin = await adminClient(env);
    const dup = await new Client(env.app).post('/api/v1/registrations', { uscc: app.uscc });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('registration_duplicate');

    const bad = await admin.post(`/api/v1/platform/registrations/${applied.id}/reject`, { reasons: [], comment: '' });
    expect(bad.statusCode).toBe(422);
    // A comment that would reverse its text in the applicant's mail is refused.
    const rtl = await admin.post(`/api/v1/platform/registrations/${applied.id}/reject`, { reasons: ['other'], comment: '请修改\u202Egnp.exe' });
    expect(rtl.statusCode).toBe(422);
    expect(rtl.json().errors[0]).toMatchObject({ path: 'comment', code: 'control_characters' });
    const rej = await admin.post(`/api/v1/platform/registrations/${applied.id}/reject`, { reasons: ['name_mismatch', 'license_unreadable'], comment: '公司名称与执照不一致，请上传清晰的执照' });
    expect(rej.statusCode, rej.body).toBe(200);
    expect(rej.json().status).toBe('rejected');
    expect((await admin.post(`/api/v1/platform/registrations/${applied.id}/approve`, {})).statusCode).toBe(409);
    // The refused approval rolled back, but is recorded (who tried, and why it failed).
    const refused = await env.ctx.db.platform((tx) =>
      tx.query<{ outcome: string; details: { code: string } }>(`SELECT outcome, details FROM audit_events WHERE action = 'registration.approve' AND object_id = $1`, [applied.id]),
    );
    expect(refused).toEqual([expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ code: 'registration_not_pending' }) })]);

    const mail = await lastMailTo(env.dataDir, app.contactEmail, /未通过|needs changes/);
    expect(mail.text).toContain('公司名称与营业执照不一致');
    expect(mail.text).toContain('营业执照无法辨认');
    expect(mail.text).toContain('请上传清晰的执照');
    const token = /token=([\w-]+)/.exec(mail.text ?? '')![1]!;
    const h = { 'x-resume-token': token };

    const c = new Client(env.app);
    const status = await c.get(`/api/v1/registrations/${applied.id}`, h);
    expect(status.json()).toMatchObject({ status: 'rejected', rejection: { reasons: ['name_mismatch', 'license_unreadable'] } });
    // The link the applicant's browser already holds still shows the status and the reasons.
    const own = await new Client(env.app).get(`/api/v1/registrations/${applied.id}`, applied.h);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ status: 'rejected', rejection: { reasons: ['name_mismatch', 'license_unreadable'], comment: '公司名称与执照不一致，请上传清晰的执照' } });
    // Rejected applications may be edited and resubmitted; the e-mail stays verified.
    const fixed = await c.patch(`/api/v1/registrations/${applied.id}`, { companyName: '深圳示例贸易股份有限公司' }, h);
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json().emailVerified).toBe(true);
    // Re-uploads after a rejection: the file of the submitted version 1 stays, each unsubmitted
    // replacement is deleted when replaced again (no orphaned encrypted files).
    const blobsBefore = blobCount();
    const jpg = multipart('file', 'first-try.jpg', fs.readFileSync(path.join(FIXTURES, 'licenses/license-specimen.jpg')));
    expect((await env.app.inject({ method: 'PUT', url: `/api/v1/registrations/${applied.id}/license`, payload: jpg.payload, headers: { ...jpg.headers, ...h } })).statusCode).toBe(200);
    expect(blobCount()).toBe(blobsBefore + 1);
    const mp = multipart('file', 'clear-scan.png', fs.readFileSync(path.join(FIXTURES, 'licenses/license-specimen.png')));
    expect((await env.app.inject({ method: 'PUT', url: `/api/v1/registrations/${applied.id}/license`, payload: mp.payload, headers: { ...mp.headers, ...h } })).statusCode).toBe(200);
    expect(blobCount()).toBe(blobsBefore + 1);
    const resub = await c.post(`/api/v1/registrations/${applied.id}/submit`, { consentVersion: privacyVersion }, h);
    expect(resub.statusCode, resub.body).toBe(200);
    expect(resub.json()).toMatchObject({ status: 'submitted', version: 2 });

    const detail = (await admin.get(`/api/v1/platform/registrations/${applied.id}`)).json() as {
      versions: Array<{ version: number; changes: Array<{ field: string; before: string; after: string }> }>;
      decisions: Array<{ decision: string; reasons: string[]; version: number }>;
    };
    expect(detail.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(detail.versions[1]!.changes).toEqual(
      expect.arrayContaining([
        { field: 'companyName', before: app.companyName, after: '深圳示例贸易股份有限公司' },
        expect.objectContaining({ field: 'license' }),
      ]),
    );
    expect(detail.decisions).toMatchObject([{ decision: 'rejected', version: 1, reasons: ['name_mismatch', 'license_unreadable'] }]);
    // The first version's license is still there for the record.
    const v1 = await admin.get(`/api/v1/platform/registrations/${applied.id}/license?version=1`);
    expect(v1.headers['content-type']).toBe('application/pdf');
    const v2 = await admin.get(`/api/v1/platform/registrations/${applied.id}/license?version=2`);
    expect(v2.headers['content-type']).toBe('image/png');

    const approved = await admin.post(`/api/v1/platform/registrations/${applied.id}/approve`, {});
    expect(approved.statusCode).toBe(200);
    const caps = await env.ctx.db.platform((tx) => tx.query<{ expires_at: Date }>(`SELECT expires_at FROM registration_tokens WHERE registration_id = $1`, [applied.id]));
    expect(caps.length).toBeGreaterThan(0);
    for (const c of caps) expect(c.expires_at.getTime()).toBeLessThanOrEqual(Date.now() + 90 * 86400_000 + 60_000);
    // After approval the applicant's first link still says "approved" (read-only: nothing can change).
    const after = await new Client(env.app).get(`/api/v1/registrations/${applied.id}`, applied.h);
    expect(after.statusCode).toBe(200);
    expect(after.json().status).toBe('approved');
    expect((await new Client(env.app).patch(`/api/v1/registrations/${applied.id}`, { companyName: '改名有限公司' }, applied.h)).statusCode).toBe(409);
    // … for a while: 91 days later the link is gone.
    await env.ctx.db.platform((tx) => tx.execute(`UPDATE registration_tokens SET expires_at = now() - interval '1 second' WHERE registration_id = $1`, [applied.id]));
    expect((await new Client(env.app).get(`/api/v1/registrations/${applied.id}`, applied.h)).statusCode).toBe(404);
    const final = (await admin.get(`/api/v1/platform/registrations/${applied.id}`)).json() as { decisions: Array<{ decision: string }> };
    expect(final.decisions.map((d) => d.decision)).toEqual(['rejected', 'approved']);
  });

  it('refuses a contact e-mail that another pending application already uses (409), and shows e-mail duplicates to the reviewer', async () => {
    // A reviewer (role `reviewer`, created by the super admin), not the super admin, decides here.
    const sa = await adminClient(env);
    const created = await sa.post('/api/v1/platform/users', { email: 'shenhe.liu@pactum.test', name: '刘审核', roles: ['reviewer'] });
    expect(created.statusCode, created.body).toBe(201);
    const admin = new Client(env.app);
    await admin.login('shenhe.liu@pactum.test', created.json().initialPassword);
    expect((await admin.post('/api/v1/auth/password', { currentPassword: created.json().initialPassword, newPassword: 'Shenhe-Liu-2026!' })).statusCode).toBe(204);
    const shared = 'daili.wang@consult-specimen.example.com';
    const first: Application = { ...app, companyName: '苏州示例咨询有限公司', uscc: '', contactName: '王代理', contactEmail: shared };
    // A valid code of its own (check character computed by the validator's rules).
    first.uscc = '91320594MA1N2WE53Q';
    const second: Application = { ...first, companyName: '无锡示例商贸有限公司', uscc: '91320214MA1MLX1B1K' };
    const a = await applyThroughWizard(first);
    // The second company gets as far as submitting and is refused with the reason.
    const c = new Client(env.app, 'en');
    const r = await c.post('/api/v1/registrations', { companyName: second.companyName, uscc: second.uscc, registeredAddress: second.registeredAddress });
    expect(r.statusCode, r.body).toBe(201);
    const { id, resumeToken } = r.json() as { id: string; resumeToken: string };
    const h = { 'x-resume-token': resumeToken };
    await c.patch(`/api/v1/registrations/${id}`, { contactName: second.contactName, contactMobile: second.contactMobile, contactEmail: shared }, h);
    const mp = multipart('file', 'license.pdf', fs.readFileSync(licensePath(second.licenseFile)));
    await env.app.inject({ method: 'PUT', url: `/api/v1/registrations/${id}/license`, payload: mp.payload, headers: { ...mp.headers, ...h } });
    await c.post(`/api/v1/registrations/${id}/email-code`, {}, h);
    const code = /(\d{6})/.exec((await lastMailTo(env.dataDir, shared, /验证码|verification code/)).text ?? '')![1]!;
    expect((await c.post(`/api/v1/registrations/${id}/email-code/verify`, { code }, h)).statusCode).toBe(200);
    const refused = await c.post(`/api/v1/registrations/${id}/submit`, { consentVersion: privacyVersion }, h);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'contact_email_pending', errors: [{ path: 'contactEmail', code: 'contact_email_pending' }] });
    expect(refused.json().detail).toContain('pending or approved application');
    expect((await c.get(`/api/v1/registrations/${id}`, h)).json().status).toBe('draft');
    // Once the first is rejected, the second may go ahead; its reviewer sees the shared address.
    expect((await admin.post(`/api/v1/platform/registrations/${a.id}/reject`, { reasons: ['other'], comment: '请补充材料' })).statusCode).toBe(200);
    const ok = await c.post(`/api/v1/registrations/${id}/submit`, { consentVersion: privacyVersion }, h);
    expect(ok.statusCode, ok.body).toBe(200);
    const detail = (await admin.get(`/api/v1/platform/registrations/${id}`)).json() as { checks: { emailDuplicates: Array<{ kind: string; id: string; status: string }> } };
    expect(detail.checks.emailDuplicates).toEqual([expect.objectContaining({ kind: 'registration', id: a.id, status: 'rejected' })]);
    // … and the first one, fixed and resubmitted, now meets the second: refused.
    const again = await new Client(env.app).post(`/api/v1/registrations/${a.id}/submit`, { consentVersion: privacyVersion }, a.h);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('contact_email_pending');
  });

  it('keeps drafts (never submitted, no consent yet) out of the review console', async () => {
    const admin = await adminClient(env);
    const d = await new Client(env.app).post('/api/v1/registrations', { companyName: '草稿隐私有限公司', contactName: '陈草稿', contactEmail: 'chen.draft@example.com', contactMobile: '13700137000' });
    const { id } = d.json() as { id: string };
    expect((await admin.get(`/api/v1/platform/registrations/${id}`)).statusCode).toBe(404);
    expect((await admin.get(`/api/v1/platform/registrations/${id}/license`)).statusCode).toBe(404);
    for (const status of ['all', 'draft']) {
      const list = (await admin.get(`/api/v1/platform/registrations?status=${status}&pageSize=100`)).json() as { items: Array<{ id: string; status: string }> };
      expect(list.items.map((i) => i.id)).not.toContain(id);
      expect(list.items.filter((i) => i.status === 'draft')).toEqual([]);
    }
  });

  it('lets an applicant withdraw, and expires stale drafts without keeping their personal data', async () => {
    const c = new Client(env.app);
    const r = await c.post('/api/v1/registrations', { companyName: '撤回测试有限公司', contactName: '李雷', contactEmail: 'lilei@example.com' });
    const { id, resumeToken } = r.json() as { id: string; resumeToken: string };
    expect((await c.post(`/api/v1/registrations/${id}/withdraw`, {}, { 'x-resume-token': resumeToken })).json().status).toBe('withdrawn');
    expect((await c.patch(`/api/v1/registrations/${id}`, { companyName: '改名有限公司' }, { 'x-resume-token': resumeToken })).statusCode).toBe(409);

    const s = await c.post('/api/v1/registrations', { companyName: '过期草稿有限公司', contactName: '韩梅梅', contactEmail: 'hmm@example.com' });
    const realNow = env.ctx.now;
    env.ctx.now = () => new Date(realNow().getTime() + 31 * 86400_000);
    const n = await env.services.onboarding.expireStaleDrafts();
    env.ctx.now = realNow;
    expect(n).toBeGreaterThanOrEqual(1);
    const row = await env.ctx.db.platform((tx) => tx.one<Record<string, unknown>>(`SELECT * FROM registrations WHERE id = $1`, [s.json().id]));
    expect(row).toMatchObject({ status: 'expired', contact_name_enc: null, contact_email_enc: null });
  });
});

describe('review console access', () => {
  it('requires a signed-in platform reviewer', async () => {
    const anon = await new Client(env.app).get('/api/v1/platform/registrations');
    expect(anon.statusCode).toBe(401);
    expect(anon.json().code).toBe('unauthenticated');
    const tenantAdmin = new Client(env.app);
    await tenantAdmin.login(valid[0]!.contactEmail, 'Hetong-Guanli-2026!');
    const res = await tenantAdmin.get('/api/v1/platform/registrations');
    expect(res.statusCode).toBe(403);
  });

  it('refuses cookie-authenticated writes without the CSRF header', async () => {
    const admin = await adminClient(env);
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: Object.entries(admin.cookies).map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('csrf_failed');
  });

  it('records the whole story in the audit log, and the platform chain verifies', async () => {
    const actions = await env.ctx.db.platform((tx) => tx.query<{ action: string }>(`SELECT DISTINCT action FROM audit_events`));
    const set = new Set(actions.map((a) => a.action));
    for (const a of ['registration.create', 'registration.submit', 'registration.approve', 'registration.reject', 'tenant.provision', 'auth.login', 'auth.password.change', 'registration.view']) {
      expect(set.has(a), a).toBe(true);
    }
    const { audit } = await import('../src/platform/audit.js');
    const v = await env.ctx.db.platform((tx) => audit.verify(tx, null));
    expect(v.ok).toBe(true);
    expect(v.count).toBeGreaterThan(20);
  });

  it('never shows a stack trace: unknown routes and malformed JSON get problem details', async () => {
    const r1 = await env.app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(r1.statusCode).toBe(404);
    expect(r1.json().code).toBe('route_not_found');
    const r2 = await env.app.inject({ method: 'POST', url: '/api/v1/registrations', payload: '{"companyName":', headers: { 'content-type': 'application/json' } });
    expect(r2.statusCode).toBe(400);
    expect(r2.body).not.toMatch(/at .*\.ts/);
    expect(r2.json().code).toBe('invalid_json');
  });
});

void outbox;
