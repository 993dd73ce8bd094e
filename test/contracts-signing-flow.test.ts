import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, createTestEnv, lastMailTo, outbox, type TestEnv } from './helpers.js';
import crypto from 'node:crypto';
import { codeFromMail, contractInput, fixtureFile, fixtures, inDays, linkFromMail, makeTenant, ok, upload, type TestTenant, type UserClient } from './contracts-helpers.js';
import { extractText } from '../src/modules/contracts/text.js';
import { signingNotice, type SigningEvent } from '../src/modules/contracts/notices.js';

const DAY = 86_400_000;

describe('contracts: decline, void on change, signing reminders, overdue approvals', () => {
  let env: TestEnv;
  let A: TestTenant;
  let admin: UserClient;
  let manager: UserClient;
  let approver: UserClient;
  let signer: UserClient;
  let outsider: UserClient;

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    A = await makeTenant(env, '腾讯科技（深圳）有限公司', '91440300708461136T');
    admin = await A.user(['tenant_admin'], '管理员');
    manager = await A.user(['contract_manager'], '李娜');
    approver = await A.user(['approver'], '周审批');
    signer = await A.user(['signer'], '马签署');
    outsider = await A.user(['signer'], '赵旁观');
  });
  afterAll(async () => env?.close());

  /** Runs a job as if it were `ms` later (only the job sees the moved clock). */
  async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    const real = env.ctx.now;
    const at = Date.now() + ms;
    env.ctx.now = () => new Date(at);
    try {
      return await fn();
    } finally {
      env.ctx.now = real;
    }
  }
  const reminders = () => env.services.contracts.runSigningReminders();
  const mailsTo = async (to: string, re: RegExp) =>
    (await outbox(env.dataDir)).filter((m) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((a) => a.value.some((v) => v.address?.toLowerCase() === to.toLowerCase())) && re.test(m.subject ?? ''));
  const notes = async (u: UserClient, contractId: string, kind: string) =>
    ok<Array<{ kind: string; contractId: string }>>(await u.get('/api/v1/contract-notifications')).filter((n) => n.contractId === contractId && n.kind === kind).length;

  async function approvedWith(title: string, signers: unknown[]) {
    const c = ok<{ id: string; currentVersion: number }>(await manager.post('/api/v1/contracts', contractInput(2, { title })), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    ok(await manager.request('PUT', `/api/v1/contracts/${c.id}/signers`, { signers }));
    return c.id;
  }

  async function signAsInternal(id: string) {
    ok(await signer.post(`/api/v1/contracts/${id}/sign/code`), 202);
    return signer.post(`/api/v1/contracts/${id}/sign`, { code: await codeFromMail(env, signer.email) });
  }

  type Detail = {
    status: string;
    currentVersion: number;
    signers: Array<{ name: string; status: string }>;
    signerHistory: Array<{ name: string; status: string; voidReason: string; declineReason: string | null }>;
  };

  it('a counterparty declines with a reason: back to approved, signatures voided, owner and signers told, old links 410, no reminders', async () => {
    const liuMail = 'liu.decline@baidu-specimen.example.com';
    const id = await approvedWith('拒签测试合同', [
      { kind: 'internal', step: 1, userId: signer.id },
      { kind: 'counterparty', step: 2, name: '刘洋', email: liuMail, partyName: '北京百度网讯科技有限公司' },
    ]);
    ok(await manager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(10) }));
    ok(await signAsInternal(id));
    const link = await linkFromMail(env, liuMail);
    const client = new Client(env.app);
    const url = `/api/v1/public/sign/${encodeURIComponent(link)}`;
    expect((await client.post(`${url}/decline`, {})).statusCode).toBe(422);
    expect((await client.post(`${url}/decline`, { reason: '' })).statusCode).toBe(422);
    ok(await client.post(`${url}/decline`, { reason: '付款条款与报价不符' }));

    const d = ok<Detail>(await manager.get(`/api/v1/contracts/${id}`));
    expect(d.status).toBe('approved');
    expect(d.signers.map((s) => s.status)).toEqual(['pending', 'pending']);
    expect(d.signerHistory.map((s) => [s.name, s.status, s.voidReason])).toEqual([
      ['马签署', 'signed', 'declined'],
      ['刘洋', 'declined', 'declined'],
    ]);
    expect(d.signerHistory[1]!.declineReason).toBe('付款条款与报价不符');

    // The owner and the signer who had signed are told, in-app and by mail, with the reason.
    expect(await notes(manager, id, 'signing_declined')).toBe(1);
    expect(await notes(signer, id, 'signing_declined')).toBe(1);
    expect((await lastMailTo(env.dataDir, manager.email, /拒签/)).text).toContain('付款条款与报价不符');
    expect((await lastMailTo(env.dataDir, signer.email, /拒签/)).text).toContain('刘洋');

    // The old link answers 410 with a readable reason; no code, no signature, no second decline.
    const gone = await client.get(url);
    expect(gone.statusCode).toBe(410);
    expect(gone.json().code).toBe('signing_link_declined');
    expect((await client.post(`${url}/code`)).statusCode).toBe(410);
    expect((await client.post(url, { code: '123456' })).statusCode).toBe(410);

    // Reminders stop: nothing for this contract even long after.
    await later(5 * DAY, reminders);
    expect((await mailsTo(liuMail, /签署提醒/)).length).toBe(0);
    expect(await notes(signer, id, 'signature_reminder')).toBe(0);

    const audit = ok<Array<{ action: string }>>(await manager.get(`/api/v1/contracts/${id}/audit`));
    expect(audit.map((a) => a.action)).toContain('contract.sign_decline');

    // The owner can restart signing: everyone signs again, with new links.
    ok(await manager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(10) }));
    ok(await signAsInternal(id));
    const fresh = await linkFromMail(env, liuMail);
    expect(fresh).not.toBe(link);
    expect(ok<{ yourTurn: boolean }>(await client.get(`/api/v1/public/sign/${encodeURIComponent(fresh)}`)).yourTurn).toBe(true);
  });

  it('an internal signer declines; others and non-signing contracts cannot', async () => {
    const id = await approvedWith('内部拒签合同', [{ kind: 'internal', step: 1, userId: signer.id }]);
    expect((await signer.post(`/api/v1/contracts/${id}/decline`, { reason: '尚未开始' })).statusCode).toBe(409);
    ok(await manager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(5) }));
    expect((await outsider.post(`/api/v1/contracts/${id}/decline`, { reason: '与我无关' })).statusCode).toBe(403);
    expect((await signer.post(`/api/v1/contracts/${id}/decline`, {})).statusCode).toBe(422);
    expect(ok<{ status: string }>(await signer.post(`/api/v1/contracts/${id}/decline`, { reason: '金额需要复核' })).status).toBe('approved');
    expect(await notes(manager, id, 'signing_declined')).toBe(1);
    // The declined signer cannot sign any more in this (voided) round; the contract is not signing.
    expect((await signer.post(`/api/v1/contracts/${id}/sign/code`)).statusCode).toBe(409);
  });

  it('an edit during signing voids the signatures so far (recorded), makes a new version and goes back to approval with the workflow re-evaluated', async () => {
    // The audit case: ¥1 approved by legal only, changed to ¥9,000,000 during signing → the finance step must run.
    const B = await makeTenant(env, '华为技术有限公司', '914403001922038216');
    const bManager = await B.user(['contract_manager'], '陈经理');
    const legal = await B.user(['approver'], '法务王');
    const finance = await B.user(['tenant_admin'], '财务吴');
    const bSigner = await B.user(['signer'], '签署郑');
    ok(
      await finance.request('PUT', '/api/v1/contract-workflow', {
        name: '标准审批',
        steps: [
          { name: '法务审核', approver: { kind: 'role', role: 'approver' }, mode: 'any' },
          { name: '财务审核', approver: { kind: 'user', userId: finance.id }, mode: 'all', when: { minAmountFen: 100_000_000 } },
        ],
      }),
    );
    const chenMail = 'chen.void@xiaomi-specimen.example.com';
    const c = ok<{ id: string; currentVersion: number }>(await bManager.post('/api/v1/contracts', contractInput(2, { title: '修改作废测试合同', amountFen: 100 })), 201);
    const id = c.id;
    ok(await bManager.post(`/api/v1/contracts/${id}/submit`));
    type Approval = { approval: { version: number; status: string; steps: Array<{ name: string }> } };
    expect(ok<Approval>(await bManager.get(`/api/v1/contracts/${id}`)).approval.steps.map((s) => s.name)).toEqual(['法务审核']);
    expect(ok<{ status: string }>(await legal.post(`/api/v1/contracts/${id}/approve`, {})).status).toBe('approved');
    ok(await bManager.request('PUT', `/api/v1/contracts/${id}/signers`, {
      signers: [
        { kind: 'internal', step: 1, userId: bSigner.id },
        { kind: 'counterparty', step: 2, name: '陈静', email: chenMail, partyName: '小米科技有限责任公司' },
      ],
    }));
    // Saving the form unchanged is no change: still approved, no new version.
    expect(ok<{ status: string; currentVersion: number }>(await bManager.patch(`/api/v1/contracts/${id}`, { title: '修改作废测试合同', amountFen: 100 }))).toMatchObject({ status: 'approved', currentVersion: 1 });
    ok(await bManager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(10) }));
    ok(await bSigner.post(`/api/v1/contracts/${id}/sign/code`), 202);
    ok(await bSigner.post(`/api/v1/contracts/${id}/sign`, { code: await codeFromMail(env, bSigner.email) }));
    const oldLink = await linkFromMail(env, chenMail);

    const changed = ok<{ status: string; currentVersion: number; amountFen: number }>(
      await bManager.patch(`/api/v1/contracts/${id}`, { amountFen: 900_000_000, body: contractInput(2).body + '\n补充：违约金上限为合同金额的百分之二十。\n' }),
    );
    expect(changed).toMatchObject({ status: 'in_approval', currentVersion: 2, amountFen: 900_000_000 });
    type Full = Omit<Detail, 'signers'> & Approval & { signers: Array<{ name: string; status: string; linkExpiresAt: string | null }> };
    const d = ok<Full>(await bManager.get(`/api/v1/contracts/${id}`));
    // Re-evaluated for ¥9,000,000: the finance step now runs, for the new version.
    expect(d.approval.steps.map((s) => s.name)).toEqual(['法务审核', '财务审核']);
    expect(d.approval.version).toBe(2);
    // The round is voided and kept; the next round has the same people, no link and no deadline yet.
    expect(d.signers.map((s) => [s.name, s.status, s.linkExpiresAt])).toEqual([['签署郑', 'pending', null], ['陈静', 'pending', null]]);
    expect(d.signerHistory.map((s) => [s.name, s.status, s.voidReason])).toEqual([
      ['签署郑', 'signed', 'changed'],
      ['陈静', 'pending', 'changed'],
    ]);
    // The signer who had signed and the invited counterparty are told that it went back to approval.
    expect(await notes(bSigner, id, 'signing_voided')).toBe(1);
    expect((await lastMailTo(env.dataDir, bSigner.email, /签署作废/)).text).toContain('退回重新审批');
    expect((await lastMailTo(env.dataDir, chenMail, /签署作废/)).text).toContain('修改作废测试合同');
    const gone = await new Client(env.app).get(`/api/v1/public/sign/${encodeURIComponent(oldLink)}`);
    expect(gone.statusCode).toBe(410);
    expect(gone.json().code).toBe('signing_link_changed');
    // Nobody signs and signing cannot restart before approval.
    expect((await bSigner.post(`/api/v1/contracts/${id}/sign/code`)).statusCode).toBe(409);
    expect((await bManager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(10) })).statusCode).toBe(409);
    const audit = ok<Array<{ action: string; details: Record<string, unknown> }>>(await bManager.get(`/api/v1/contracts/${id}/audit`));
    expect(audit.map((a) => a.action)).toContain('contract.signing_voided');
    expect(audit.find((a) => a.action === 'contract.update')!.details.values).toMatchObject({ amountFen: { from: 100, to: 900_000_000 } });

    // Legal, then finance approve version 2; signing restarts with a new deadline and new links.
    expect(ok<{ status: string }>(await legal.post(`/api/v1/contracts/${id}/approve`, {})).status).toBe('in_approval');
    expect(ok<{ status: string }>(await finance.post(`/api/v1/contracts/${id}/approve`, {})).status).toBe('approved');
    ok(await bManager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(12) }));
    ok(await bSigner.post(`/api/v1/contracts/${id}/sign/code`), 202);
    ok(await bSigner.post(`/api/v1/contracts/${id}/sign`, { code: await codeFromMail(env, bSigner.email) }));
    const newLink = await linkFromMail(env, chenMail);
    expect(newLink).not.toBe(oldLink);
    const client = new Client(env.app);
    const url = `/api/v1/public/sign/${encodeURIComponent(newLink)}`;
    const pv = ok<{ contract: { body: string; amountFen: number } }>(await client.get(url));
    expect(pv.contract.body).toContain('违约金上限');
    expect(pv.contract.amountFen).toBe(900_000_000);
    ok(await client.post(`${url}/code`), 202);
    expect(ok<{ contractStatus: string }>(await client.post(url, { code: await codeFromMail(env, chenMail) })).contractStatus).toBe('signed');
    const signed = ok<Full>(await bManager.get(`/api/v1/contracts/${id}`));
    expect(signed.status).toBe('signed');
    // The sealed version is the version the finance step approved.
    expect(signed.currentVersion).toBe(2);
    expect(signed.approval).toMatchObject({ version: 2, status: 'approved' });
    expect(signed.signers.map((s) => s.status)).toEqual(['signed', 'signed']);
    expect(signed.signerHistory).toHaveLength(2);
    // After signing, the contract is locked again.
    expect((await bManager.patch(`/api/v1/contracts/${id}`, { title: '签署后修改' })).statusCode).toBe(409);
  });

  it('a passed signing deadline ends the round: back to approved (recorded), reminders stop, owner told; signing restarts only with a new deadline', async () => {
    const sunMail = 'sun.deadline@meituan-specimen.example.com';
    const id = await approvedWith('截止过期测试合同', [
      { kind: 'internal', step: 1, userId: signer.id },
      { kind: 'counterparty', step: 2, name: '孙丽', email: sunMail, partyName: '北京三快在线科技有限公司' },
    ]);
    ok(await manager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(1) }));
    ok(await signAsInternal(id));
    const link = await linkFromMail(env, sunMail);
    const deadlines = () => env.services.contracts.runSigningDeadlines();
    // Before the deadline nothing happens.
    await deadlines();
    expect(ok<Detail>(await manager.get(`/api/v1/contracts/${id}`)).status).toBe('signing');
    await later(3 * DAY, deadlines);
    const d = ok<Detail>(await manager.get(`/api/v1/contracts/${id}`));
    expect(d.status).toBe('approved');
    expect(d.signerHistory.map((s) => [s.name, s.status, s.voidReason])).toEqual([
      ['马签署', 'signed', 'expired'],
      ['孙丽', 'pending', 'expired'],
    ]);
    expect(await notes(manager, id, 'signing_expired')).toBe(1);
    expect((await lastMailTo(env.dataDir, manager.email, /签署已过截止日/)).text).toContain(inDays(1));
    const audit = ok<Array<{ action: string; details: { deadline?: string } }>>(await manager.get(`/api/v1/contracts/${id}/audit`));
    expect(audit.find((a) => a.action === 'contract.signing_expired')?.details.deadline).toBe(inDays(1));
    // Once only; and no reminders any more.
    await later(4 * DAY, deadlines);
    expect(await notes(manager, id, 'signing_expired')).toBe(1);
    await later(5 * DAY, reminders);
    expect((await mailsTo(sunMail, /签署提醒/)).length).toBe(0);
    const old = await new Client(env.app).get(`/api/v1/public/sign/${encodeURIComponent(link)}`);
    expect(old.statusCode).toBe(410);
    expect(old.json().code).toBe('signing_link_expired');
    // Restart: a past deadline is refused; a new one sends new links that expire at its end.
    expect((await manager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(-1) })).statusCode).toBe(422);
    ok(await manager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(6) }));
    const fresh = ok<{ signers: Array<{ linkExpiresAt: string | null }> }>(await manager.get(`/api/v1/contracts/${id}`));
    expect(fresh.signers.map((s) => s.linkExpiresAt)).toEqual([new Date(`${inDays(7)}T00:00:00+08:00`).toISOString(), new Date(`${inDays(7)}T00:00:00+08:00`).toISOString()]);
    ok(await signAsInternal(id));
    expect(await linkFromMail(env, sunMail)).not.toBe(link);
  });

  it('attachments follow the content rules: after approval a change goes back to approval; immutable once signed; the seal lists them with SHA-256; counterparties get the sealed PDF', async () => {
    const liMail = 'li.annex@jd-specimen.example.com';
    const id = await approvedWith('附件规则测试合同', [
      { kind: 'internal', step: 1, userId: signer.id },
      { kind: 'counterparty', step: 2, name: '李雷', email: liMail, partyName: '北京京东世纪贸易有限公司' },
    ]);
    const annex = fixtureFile(fixtures.contracts[0]!.files.pdf);
    const price = fixtureFile(fixtures.contracts[1]!.files.pdf);
    // Adding an annex to an approved contract: new version, back to approval.
    const added = ok<{ id: string; sha256: string }>(await upload(manager, 'POST', `/api/v1/contracts/${id}/attachments`, 'annex-1-scope.pdf', annex), 201);
    let d = ok<Detail & { attachments: Array<{ id: string; filename: string }> }>(await manager.get(`/api/v1/contracts/${id}`));
    expect(d.status).toBe('in_approval');
    expect(d.currentVersion).toBe(2);
    // In approval, attachments are locked like the content.
    expect((await upload(manager, 'POST', `/api/v1/contracts/${id}/attachments`, 'annex-x.pdf', price)).statusCode).toBe(409);
    ok(await approver.post(`/api/v1/contracts/${id}/approve`, {}));
    ok(await manager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(10) }));
    ok(await signAsInternal(id));
    // Removing one while signing voids the signature and goes back to approval.
    const extra = ok<{ id: string }>(await upload(manager, 'POST', `/api/v1/contracts/${id}/attachments`, 'annex-2-price.pdf', price), 201);
    d = ok(await manager.get(`/api/v1/contracts/${id}`));
    expect(d.status).toBe('in_approval');
    expect(d.signerHistory.filter((s) => s.status === 'signed').map((s) => s.voidReason)).toEqual(['changed']);
    ok(await approver.post(`/api/v1/contracts/${id}/approve`, {}));
    const removed = ok<{ status: string; currentVersion: number }>(await manager.request('DELETE', `/api/v1/contracts/${id}/attachments/${extra.id}`));
    expect(removed).toMatchObject({ status: 'in_approval', currentVersion: 4 });
    d = ok(await manager.get(`/api/v1/contracts/${id}`));
    expect(d.attachments.map((a) => a.filename)).toEqual(['annex-1-scope.pdf']);
    expect((await manager.get(`/api/v1/contracts/${id}/attachments/${extra.id}`)).statusCode).toBe(404);
    ok(await approver.post(`/api/v1/contracts/${id}/approve`, {}));
    ok(await manager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(10) }));
    ok(await signAsInternal(id));
    const client = new Client(env.app);
    const url = `/api/v1/public/sign/${encodeURIComponent(await linkFromMail(env, liMail))}`;
    ok(await client.post(`${url}/code`), 202);
    expect(ok<{ contractStatus: string }>(await client.post(url, { code: await codeFromMail(env, liMail) })).contractStatus).toBe('signed');

    // Immutable once signed.
    expect((await upload(manager, 'POST', `/api/v1/contracts/${id}/attachments`, 'late.pdf', price)).statusCode).toBe(409);
    expect((await manager.request('DELETE', `/api/v1/contracts/${id}/attachments/${added.id}`)).statusCode).toBe(409);
    // The audit certificate lists the attachment and its SHA-256 (and not the removed one).
    const sealed = await manager.get(`/api/v1/contracts/${id}/sealed.pdf`);
    expect(sealed.statusCode).toBe(200);
    const text = await extractText(sealed.rawPayload, 'application/pdf');
    expect(text).toContain('annex-1-scope.pdf');
    expect(text.replace(/\s+/g, '')).toContain(added.sha256);
    expect(text).not.toContain('annex-2-price.pdf');
    // The counterparty signer and the counterparty contact get the sealed PDF attached to the "completed" mail.
    const done = await lastMailTo(env.dataDir, liMail, /签署完成/);
    expect(done.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/-sealed\.pdf$/)]);
    expect(crypto.createHash('sha256').update(done.attachments[0]!.content).digest('hex')).toBe(crypto.createHash('sha256').update(sealed.rawPayload).digest('hex'));
    const contact = fixtures.contracts[2]!.partyB.email;
    expect((await lastMailTo(env.dataDir, contact, /签署完成/)).attachments).toHaveLength(1);
    // Internal users get a link, not the file.
    expect((await lastMailTo(env.dataDir, signer.email, /签署完成/)).attachments).toHaveLength(0);
  });

  it('reminds the signer whose turn it is every N days, at most M times, never after completion or the deadline', async () => {
    ok(await admin.patch('/api/v1/contract-settings', { signingReminderDays: 2, signingReminderMax: 2 }));
    expect((await admin.patch('/api/v1/contract-settings', { signingReminderMax: 99 })).statusCode).toBe(422);
    const wangMail = 'wang.remind@jd-specimen.example.com';
    const zhaoMail = 'zhao.later@jd-specimen.example.com';
    const id = await approvedWith('提醒测试合同', [
      { kind: 'counterparty', step: 1, name: '王芳', email: wangMail, partyName: '北京京东世纪贸易有限公司' },
      { kind: 'counterparty', step: 2, name: '赵磊', email: zhaoMail, partyName: '北京京东世纪贸易有限公司' },
    ]);
    ok(await manager.post(`/api/v1/contracts/${id}/signing`, { deadline: inDays(20) }));
    // A contract completed at once (internal signer) and one whose deadline passes soon.
    const done = await approvedWith('已完成的合同', [{ kind: 'internal', step: 1, userId: signer.id }]);
    ok(await manager.post(`/api/v1/contracts/${done}/signing`, { deadline: inDays(20) }));
    ok(await signAsInternal(done));
    const soon = await approvedWith('即将截止的合同', [{ kind: 'counterparty', step: 1, name: '孙丽', email: 'sun.deadline@jd-specimen.example.com', partyName: '北京京东世纪贸易有限公司' }]);
    ok(await manager.post(`/api/v1/contracts/${soon}/signing`, { deadline: inDays(1) }));

    await reminders();
    expect((await mailsTo(wangMail, /签署提醒/)).length).toBe(0);
    await later(2 * DAY + 3_600_000, reminders);
    const first = await mailsTo(wangMail, /签署提醒/);
    expect(first.length).toBe(1);
    // The reminder carries the signer's own working link.
    const token = decodeURIComponent(/\/sign\/([^\s"<]+)/.exec(first[0]!.text ?? '')![1]!);
    expect(ok<{ signer: { name: string } }>(await new Client(env.app).get(`/api/v1/public/sign/${encodeURIComponent(token)}`)).signer.name).toBe('王芳');
    await later(2 * DAY + 7_200_000, reminders); // same period: nothing new
    expect((await mailsTo(wangMail, /签署提醒/)).length).toBe(1);
    await later(4 * DAY + 7_200_000, reminders);
    await later(6 * DAY + 10_800_000, reminders); // max 2
    expect((await mailsTo(wangMail, /签署提醒/)).length).toBe(2);
    // Not the signer of a later step, not a completed contract, not after the deadline.
    expect((await mailsTo(zhaoMail, /签署提醒/)).length).toBe(0);
    expect(await notes(signer, done, 'signature_reminder')).toBe(0);
    expect((await mailsTo('sun.deadline@jd-specimen.example.com', /签署提醒/)).length).toBe(0);
  });

  it('reminds approvers of a step waiting longer than the tenant setting, once per day', async () => {
    ok(await admin.patch('/api/v1/contract-settings', { approvalOverdueDays: 3 }));
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(2, { title: '超时审批合同' })), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    await later(2 * DAY, reminders);
    expect(await notes(approver, c.id, 'approval_overdue')).toBe(0);
    await later(3 * DAY + 3_600_000, reminders);
    expect(await notes(approver, c.id, 'approval_overdue')).toBe(1);
    expect((await lastMailTo(env.dataDir, approver.email, /审批已超时/)).text).toContain('超时审批合同');
    await later(3 * DAY + 7_200_000, reminders);
    expect(await notes(approver, c.id, 'approval_overdue')).toBe(1);
    await later(4 * DAY + 7_200_000, reminders);
    expect(await notes(approver, c.id, 'approval_overdue')).toBe(2);
    // Once decided, no more.
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    await later(6 * DAY, reminders);
    expect(await notes(approver, c.id, 'approval_overdue')).toBe(2);
    expect(ok<{ approvalOverdueDays: number }>(await admin.get('/api/v1/contract-settings')).approvalOverdueDays).toBe(3);
  });

  it('produces a message only for the state it belongs to', () => {
    const now = new Date();
    const c = (status: string) => ({ status, number: 'HT-2026-00001', title: '测试' });
    const current = { status: 'pending', voided: false, currentStep: true, linkExpiresAt: new Date(now.getTime() + DAY) };
    for (const status of ['draft', 'approved', 'signed', 'archived', 'withdrawn']) {
      for (const event of ['invitation', 'your_turn', 'reminder'] as SigningEvent[]) {
        expect(signingNotice({ event, contract: c(status), signer: current, now })).toBeNull();
      }
    }
    expect(signingNotice({ event: 'reminder', contract: c('signing'), signer: current, now })?.kind).toBe('signature_reminder');
    expect(signingNotice({ event: 'reminder', contract: c('signing'), signer: { ...current, voided: true }, now })).toBeNull();
    expect(signingNotice({ event: 'reminder', contract: c('signing'), signer: { ...current, status: 'signed' }, now })).toBeNull();
    expect(signingNotice({ event: 'reminder', contract: c('signing'), signer: { ...current, status: 'declined' }, now })).toBeNull();
    expect(signingNotice({ event: 'reminder', contract: c('signing'), signer: { ...current, currentStep: false }, now })).toBeNull();
    expect(signingNotice({ event: 'reminder', contract: c('signing'), signer: { ...current, linkExpiresAt: new Date(now.getTime() - 1) }, now })).toBeNull();
    expect(signingNotice({ event: 'reminder', contract: c('signing'), now })).toBeNull();
    expect(signingNotice({ event: 'completed', contract: c('signing'), now })).toBeNull();
    expect(signingNotice({ event: 'completed', contract: c('signed'), now })?.kind).toBe('signing_completed');
    expect(signingNotice({ event: 'declined', contract: c('signing'), now })).toBeNull();
    expect(signingNotice({ event: 'declined', contract: c('approved'), reason: '价格', now })?.lines[0]).toContain('价格');
    expect(signingNotice({ event: 'voided', contract: c('approved'), now })).toBeNull();
    expect(signingNotice({ event: 'voided', contract: c('signing'), now })).toBeNull();
    expect(signingNotice({ event: 'voided', contract: c('in_approval'), now })?.kind).toBe('signing_voided');
    expect(signingNotice({ event: 'expired', contract: c('signing'), now })).toBeNull();
    expect(signingNotice({ event: 'expired', contract: c('approved'), deadline: '2026-03-29', now })?.lines[0]).toContain('2026-03-29');
    expect(signingNotice({ event: 'withdrawn', contract: c('signing'), now })).toBeNull();
    expect(signingNotice({ event: 'withdrawn', contract: c('withdrawn'), now })?.kind).toBe('signing_withdrawn');
  });
});
