import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestEnv, outbox, type TestEnv } from './helpers.js';
import {
  contractInput, fixtureFile, fixtures, inDays, makeTenant, ok, signedContract, upload, type TestTenant, type UserClient, asSystem } from './contracts-helpers.js';
import { FIXTURES } from './helpers.js';
import fs from 'node:fs';
import path from 'node:path';

describe('contracts: drafting, numbering, templates, versions, attachments, search, isolation', () => {
  let env: TestEnv;
  let A: TestTenant;
  let B: TestTenant;
  let managerA: UserClient;
  let approverA: UserClient;
  let signerA: UserClient;
  let viewerA: UserClient;
  let managerB: UserClient;
  const year = inDays(0).slice(0, 4);

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    A = await makeTenant(env, '腾讯科技（深圳）有限公司', '91440300708461136T');
    B = await makeTenant(env, '华为技术有限公司', '914403001922038216');
    managerA = await A.user(['contract_manager'], '李娜');
    approverA = await A.user(['approver'], '周审批');
    signerA = await A.user(['signer'], '马签署');
    viewerA = await A.user(['viewer'], '钱查看');
    managerB = await B.user(['contract_manager'], '陈静');
  });
  afterAll(async () => env?.close());

  it('creates the fixture contracts as drafts with gap-free numbers per tenant, the body encrypted at rest', async () => {
    const made: Array<{ id: string; number: string; status: string; amountFen: number }> = [];
    for (let i = 0; i < 3; i++) made.push(ok<{ id: string; number: string; status: string; amountFen: number }>(await managerA.post('/api/v1/contracts', contractInput(i)), 201));
    expect(made.map((c) => c.number)).toEqual([`HT-${year}-00001`, `HT-${year}-00002`, `HT-${year}-00003`]);
    expect(made.every((c) => c.status === 'draft')).toBe(true);
    expect(made[0]!.amountFen).toBe(fixtures.contracts[0]!.amountFen);

    // Tenant B has its own series.
    const b = ok<{ number: string }>(await managerB.post('/api/v1/contracts', contractInput(1)), 201);
    expect(b.number).toBe(`HT-${year}-00001`);

    // The body is stored encrypted: the clause text appears nowhere in the versions table.
    const raw = await asSystem(env, A.id, (tx) => tx.query<{ body_enc: string }>(`SELECT body_enc FROM contract_versions`));
    expect(raw.length).toBe(3);
    expect(raw.some((r) => r.body_enc.includes('违约') || r.body_enc.includes('甲方'))).toBe(false);

    // Read back decrypted (and audited).
    const got = ok<{ body: string; counterparties: Array<{ uscc: string }> }>(await viewerA.get(`/api/v1/contracts/${made[0]!.id}`));
    expect(got.body).toContain('违约责任');
    expect(got.counterparties[0]!.uscc).toBe(fixtures.contracts[0]!.partyB.uscc);
    const views = await env.ctx.db.tenant(A.id, (tx) => tx.query(`SELECT 1 FROM audit_events WHERE action = 'contract.view' AND object_id = $1`, [made[0]!.id]));
    expect(views.length).toBe(1);
  });

  it('numbers concurrent creations uniquely and without gaps; a failed creation gives its number back', async () => {
    const bad = await managerA.post('/api/v1/contracts', { ...contractInput(0), counterparties: [{ name: '某公司', uscc: '91440300708461136X' }] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].path).toBe('counterparties.0.uscc');
    const badTemplate = await managerA.post('/api/v1/contracts', { title: '无效模板', type: 'x', templateId: '00000000-0000-4000-8000-000000000000', values: {} });
    expect(badTemplate.statusCode).toBe(422);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => managerA.post('/api/v1/contracts', { title: `并发合同${i}`, type: 'other', body: `并发${i}` })));
    const numbers = results.map((r) => ok<{ number: string }>(r, 201).number).sort();
    expect(numbers).toEqual([4, 5, 6, 7, 8, 9].map((n) => `HT-${year}-0000${n}`));
  });

  it('validates input with field paths and refuses a viewer (403, audited)', async () => {
    const r = await managerA.post('/api/v1/contracts', { ...contractInput(0), amountFen: 12.5, startDate: '2026-02-30' });
    expect(r.statusCode).toBe(422);
    expect(r.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['amountFen', 'startDate']);
    const denied = await viewerA.post('/api/v1/contracts', contractInput(0));
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('permission_denied');
    // Decided by the access module and recorded there (denials + audit).
    const logged = await env.ctx.db.tenant(A.id, (tx) =>
      tx.query(`SELECT 1 FROM denials WHERE user_id = $1 AND permission = 'contracts.create' AND reason = 'permission_denied'`, [viewerA.id]),
    );
    expect(logged.length).toBe(1);
    const audited = await env.ctx.db.tenant(A.id, (tx) => tx.query(`SELECT 1 FROM audit_events WHERE action = 'access.denied' AND outcome = 'denied'`));
    expect(audited.length).toBeGreaterThan(0);
  });

  it('renders a template with typed variables into the body, and refuses missing or mistyped values', async () => {
    const admin = await A.user(['tenant_admin']);
    const t = ok<{ id: string }>(await admin.post('/api/v1/contract-templates', fixtures.template), 201);
    expect((await viewerA.post('/api/v1/contract-templates', fixtures.template)).statusCode).toBe(403);
    const values = {
      'partyA.name': '腾讯科技（深圳）有限公司',
      'partyB.name': '小米科技有限责任公司',
      'partyB.uscc': '91110108551385082Q',
      service: '移动应用渗透测试',
      amount: 45_000_000,
      startDate: '2026-05-15',
      endDate: '2027-05-14',
    };
    const c = ok<{ id: string }>(await managerA.post('/api/v1/contracts', { title: '技术服务合同（模板）', type: 'technical_service', templateId: t.id, values }), 201);
    const got = ok<{ body: string; templateId: string }>(await managerA.get(`/api/v1/contracts/${c.id}`));
    expect(got.templateId).toBe(t.id);
    expect(got.body).toContain('乙方（服务方）：小米科技有限责任公司；统一社会信用代码：91110108551385082Q');
    expect(got.body).toContain('本合同服务费总额为人民币450,000.00元');
    expect(got.body).toContain('服务期限自2026年5月15日起至2027年5月14日止');
    expect(got.body).not.toContain('{{');

    const bad = await managerA.post('/api/v1/contracts', { title: '技术服务合同', type: 'technical_service', templateId: t.id, values: { ...values, amount: '四十五万', startDate: undefined } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['values.amount', 'values.startDate']);
  });

  it('keeps every save as a version and shows a readable diff', async () => {
    const c = ok<{ id: string }>(await managerA.post('/api/v1/contracts', contractInput(2)), 201);
    const body = fixtureFile(fixtures.contracts[2]!.files.text).toString('utf8');
    const changed = body.replace('十五个工作日内支付当季服务费', '三十日内支付当季服务费');
    const u = ok<{ currentVersion: number }>(await managerA.patch(`/api/v1/contracts/${c.id}`, { body: changed, note: '调整付款期限' }));
    expect(u.currentVersion).toBe(2);
    // Saving identical text creates no version.
    expect(ok<{ currentVersion: number }>(await managerA.patch(`/api/v1/contracts/${c.id}`, { body: changed })).currentVersion).toBe(2);
    const versions = ok<Array<{ version: number; note: string | null }>>(await managerA.get(`/api/v1/contracts/${c.id}/versions`));
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[0]!.note).toBe('调整付款期限');
    const d = ok<{ parts: Array<{ op: string; text: string }> }>(await managerA.get(`/api/v1/contracts/${c.id}/diff?from=1&to=2&mode=word`));
    const deleted = d.parts.filter((p) => p.op === 'delete').map((p) => p.text).join('');
    const inserted = d.parts.filter((p) => p.op === 'insert').map((p) => p.text).join('');
    // Reading the parts in order gives back both versions; the change is a few characters, not the clause.
    expect(d.parts.filter((p) => p.op !== 'insert').map((p) => p.text).join('')).toBe(body);
    expect(d.parts.filter((p) => p.op !== 'delete').map((p) => p.text).join('')).toBe(changed);
    expect(deleted).toContain('五个工作');
    expect(inserted).toContain('三');
    expect(Array.from(deleted + inserted).length).toBeLessThan(12);
    const lines = ok<{ parts: Array<{ op: string; text: string }> }>(await managerA.get(`/api/v1/contracts/${c.id}/diff?from=1&to=2&mode=line`));
    expect(lines.parts.filter((p) => p.op !== 'equal').length).toBe(2);
    const v1 = ok<{ body: string }>(await managerA.get(`/api/v1/contracts/${c.id}/versions/1`));
    expect(v1.body).toBe(body);
  });

  it('imports the body from the fixture DOCX and PDF', async () => {
    const c = ok<{ id: string }>(await managerA.post('/api/v1/contracts', { title: '设备采购（导入）', type: 'purchase' }), 201);
    const fromDocx = ok<{ currentVersion: number }>(await upload(managerA, 'PUT', `/api/v1/contracts/${c.id}/import`, 'contract.docx', fixtureFile('equipment-purchase.docx')));
    expect(fromDocx.currentVersion).toBe(2);
    let got = ok<{ body: string }>(await managerA.get(`/api/v1/contracts/${c.id}`));
    expect(got.body).toContain('TaiShan 200 服务器');
    expect(got.body).toContain('违约责任');
    ok(await upload(managerA, 'PUT', `/api/v1/contracts/${c.id}/import`, 'contract.pdf', fixtureFile('technical-service.pdf')));
    got = ok<{ body: string }>(await managerA.get(`/api/v1/contracts/${c.id}`));
    expect(got.body.replace(/\s/g, '')).toContain('移动应用安全评估技术服务合同');
    const png = await upload(managerA, 'PUT', `/api/v1/contracts/${c.id}/import`, 'x.docx', fs.readFileSync(path.join(FIXTURES, 'licenses/license-specimen.png')));
    expect(png.statusCode).toBe(415);
  });

  it('accepts attachments by content, not by name; stores them encrypted; audits each download', async () => {
    const c = ok<{ id: string }>(await managerA.post('/api/v1/contracts', contractInput(1)), 201);
    const att = ok<{ id: string; mime: string }>(await upload(managerA, 'POST', `/api/v1/contracts/${c.id}/attachments`, '设备清单.docx', fixtureFile('equipment-purchase.docx')), 201);
    expect(att.mime).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    const img = ok<{ mime: string }>(await upload(managerA, 'POST', `/api/v1/contracts/${c.id}/attachments`, 'scan.pdf', fs.readFileSync(path.join(FIXTURES, 'licenses/png-named-as.pdf'))), 201);
    expect(img.mime).toBe('image/png');
    const exe = await upload(managerA, 'POST', `/api/v1/contracts/${c.id}/attachments`, 'invoice.pdf', fs.readFileSync(path.join(FIXTURES, 'licenses/executable-named-as.pdf')));
    expect(exe.statusCode).toBe(415);
    const html = await upload(managerA, 'POST', `/api/v1/contracts/${c.id}/attachments`, 'photo.png', fs.readFileSync(path.join(FIXTURES, 'licenses/html-named-as.png')));
    expect(html.statusCode).toBe(415);

    const blobs = fs.readdirSync(path.join(env.dataDir, 'blobs', A.id), { recursive: true }).filter((f) => !String(f).includes(path.sep) || String(f).split(path.sep).length === 2);
    expect(blobs.length).toBeGreaterThan(0);
    const dl = await viewerA.get(`/api/v1/contracts/${c.id}/attachments/${att.id}`);
    expect(dl.statusCode).toBe(200);
    expect(dl.rawPayload.equals(fixtureFile('equipment-purchase.docx'))).toBe(true);
    const events = await env.ctx.db.tenant(A.id, (tx) => tx.query<{ details: { attachmentId: string } }>(`SELECT details FROM audit_events WHERE action = 'contract.download' AND object_id = $1`, [c.id]));
    expect(events.map((e) => e.details.attachmentId)).toEqual([att.id]);
    // Auditors may view but not download.
    const auditor = await A.user(['auditor']);
    expect((await auditor.get(`/api/v1/contracts/${c.id}/attachments/${att.id}`)).statusCode).toBe(403);
  });

  it('watermarks PDF downloads when the tenant turns it on', async () => {
    const admin = await A.user(['tenant_admin']);
    const c = ok<{ id: string }>(await managerA.post('/api/v1/contracts', contractInput(0)), 201);
    const pdf = fixtureFile('software-development.pdf');
    const att = ok<{ id: string }>(await upload(managerA, 'POST', `/api/v1/contracts/${c.id}/attachments`, '合同.pdf', pdf), 201);
    expect((await viewerA.get(`/api/v1/contracts/${c.id}/attachments/${att.id}`)).rawPayload.equals(pdf)).toBe(true);
    ok(await admin.patch('/api/v1/contract-settings', { watermarkDownloads: true }));
    const marked = (await viewerA.get(`/api/v1/contracts/${c.id}/attachments/${att.id}`)).rawPayload;
    expect(marked.equals(pdf)).toBe(false);
    expect(marked.subarray(0, 5).toString()).toBe('%PDF-');
    ok(await admin.patch('/api/v1/contract-settings', { watermarkDownloads: false }));
  });

  it('finds contracts by Chinese words in the body, title and parties, with filters', async () => {
    const body = (t: string) => `${t}\n第一条 标的\n乙方提供咨询服务。\n第二条 争议解决\n协商解决。\n`;
    const plain = ok<{ id: string }>(await managerA.post('/api/v1/contracts', { title: '咨询服务协议', type: 'consulting', body: body('咨询服务协议'), tags: ['咨询'] }), 201);
    const r = ok<{ items: Array<{ id: string; title: string }>; total: number }>(await managerA.get(`/api/v1/contracts?q=${encodeURIComponent('违约责任')}&pageSize=100`));
    expect(r.items.length).toBeGreaterThanOrEqual(3);
    expect(r.items.some((c) => c.id === plain.id)).toBe(false);
    expect(r.items.every((c) => !c.title.includes('违约责任'))).toBe(true); // matched in the body
    const byTitle = ok<{ items: Array<{ title: string }> }>(await managerA.get(`/api/v1/contracts?q=${encodeURIComponent('服务器设备')}`));
    expect(byTitle.items.map((c) => c.title)).toContain('数据中心服务器设备采购合同');
    const byParty = ok<{ items: Array<{ title: string }> }>(await managerA.get(`/api/v1/contracts?party=${encodeURIComponent('华为')}&type=purchase`));
    expect(byParty.items.length).toBeGreaterThan(0);
    expect(byParty.items.every((c) => c.title.includes('设备'))).toBe(true);
    const byAmount = ok<{ items: Array<{ amountFen: number }> }>(await managerA.get(`/api/v1/contracts?minAmountFen=200000000&maxAmountFen=400000000`));
    expect(byAmount.items.length).toBeGreaterThan(0);
    expect(byAmount.items.every((c) => c.amountFen >= 200000000 && c.amountFen <= 400000000)).toBe(true);
    const byTag = ok<{ items: Array<{ id: string }> }>(await managerA.get(`/api/v1/contracts?tag=${encodeURIComponent('咨询')}`));
    expect(byTag.items.map((c) => c.id)).toEqual([plain.id]);
    const none = ok<{ total: number }>(await managerA.get(`/api/v1/contracts?q=${encodeURIComponent('不存在的条款内容')}`));
    expect(none.total).toBe(0);
    const byStatus = ok<{ items: Array<{ status: string }> }>(await managerA.get(`/api/v1/contracts?status=draft&pageSize=5`));
    expect(byStatus.items.every((c) => c.status === 'draft')).toBe(true);
  });

  it('never shows tenant A’s contracts to tenant B: list, search, id, versions, attachments', async () => {
    const a = ok<{ items: Array<{ id: string }> }>(await managerA.get('/api/v1/contracts?pageSize=1'));
    const id = a.items[0]!.id;
    const list = ok<{ items: Array<{ id: string; title: string }> }>(await managerB.get('/api/v1/contracts?pageSize=100'));
    expect(list.items.some((c) => c.id === id)).toBe(false);
    expect(list.items.length).toBe(1);
    const search = ok<{ total: number }>(await managerB.get(`/api/v1/contracts?q=${encodeURIComponent('软件开发')}`));
    expect(search.total).toBe(0);
    for (const url of [`/api/v1/contracts/${id}`, `/api/v1/contracts/${id}/versions`, `/api/v1/contracts/${id}/versions/1`, `/api/v1/contracts/${id}/audit`]) {
      const r = await managerB.get(url);
      expect(r.statusCode, url).toBe(404);
    }
    expect((await managerB.patch(`/api/v1/contracts/${id}`, { title: '篡改' })).statusCode).toBe(404);
    expect((await managerB.post(`/api/v1/contracts/${id}/submit`)).statusCode).toBe(404);
  });

  it('reminds the owner and followers of expiring contracts once per threshold; renewing ones get a renewal reminder, terminated ones nothing', async () => {
    const mk = (title: string, endDate: string, extra: Record<string, unknown> = {}) =>
      signedContract(env, managerA, approverA, signerA, { title, type: 'service', body: `${title}\n违约责任\n`, startDate: inDays(-300), endDate, ...extra });
    const soon = await mk('即将到期的服务合同', inDays(25));
    const renewed = await mk('自动续约的服务合同', inDays(25), { autoRenew: true });
    const terminated = await mk('已终止的服务合同', inDays(5));
    ok(await managerA.post(`/api/v1/contracts/${terminated}/terminate`));
    const ended = await mk('已过期的服务合同', inDays(-1));
    // A viewer follows the expiring contract: the reminder goes to the owner and to them.
    ok(await viewerA.post(`/api/v1/contracts/${soon}/follow`));
    ok(await viewerA.post(`/api/v1/contracts/${terminated}/follow`));
    const first = await env.services.contracts.runExpiryReminders();
    expect(ok<{ status: string }>(await managerA.get(`/api/v1/contracts/${ended}`)).status).toBe('expired');
    expect(first.sent).toBe(2);
    const again = await env.services.contracts.runExpiryReminders();
    expect(again.sent).toBe(0);
    const rows = await asSystem(env, A.id, (tx) =>
      tx.query<{ contract_id: string; threshold_days: number; kind: string }>(`SELECT contract_id, threshold_days, kind FROM contract_reminders ORDER BY kind, threshold_days`),
    );
    expect(rows.filter((r) => r.kind === 'expiry').map((r) => [r.contract_id, r.threshold_days])).toEqual([[soon, 30], [soon, 90]]);
    expect(rows.filter((r) => r.kind === 'renewal').map((r) => [r.contract_id, r.threshold_days])).toEqual([[renewed, 30], [renewed, 90]]);
    expect(rows.some((r) => r.contract_id === terminated || r.contract_id === ended)).toBe(false);
    const mails = (await outbox(env.dataDir)).filter((m) => /^合同即将到期/.test(m.subject ?? ''));
    const toOf = (m: (typeof mails)[number]) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address?.toLowerCase()));
    expect(mails.flatMap(toOf).sort()).toEqual([managerA.email, viewerA.email].map((e) => e.toLowerCase()).sort());
    expect(mails.every((m) => m.subject?.includes('即将到期的服务合同'))).toBe(true);
    const renewal = (await outbox(env.dataDir)).filter((m) => /^合同即将自动续期/.test(m.subject ?? ''));
    expect(renewal.map((m) => m.subject)).toEqual([expect.stringContaining('自动续约的服务合同')]);
    const notes = ok<Array<{ kind: string; contractId: string; params: { daysLeft: number } }>>(await viewerA.get('/api/v1/contract-notifications'));
    expect(notes.filter((n) => n.kind === 'expiry_reminder').map((n) => n.contractId)).toEqual([soon]);
    const dash = ok<{ byStatus: Record<string, number>; expiringSoon: Array<{ id: string }> }>(await managerA.get('/api/v1/contract-dashboard'));
    expect(dash.byStatus.signed).toBeGreaterThanOrEqual(2);
    expect(dash.expiringSoon.map((c) => c.id)).toContain(soon);
  });
});
