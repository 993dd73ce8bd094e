import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, createTestEnv, lastMailTo, multipart, type TestEnv } from './helpers.js';
import { codeFromMail, contractInput, inDays, linkFromMail, makeTenant, ok, type TestTenant, type UserClient, asSystem } from './contracts-helpers.js';

describe('contracts: approval workflows, signing, sealing, verification', () => {
  let env: TestEnv;
  let A: TestTenant;
  let admin: UserClient;
  let manager: UserClient;
  let approver: UserClient;
  let finance: UserClient;
  let signer: UserClient;
  let archivist: UserClient;
  let sealedPdf: Buffer;
  let lifecycleId: string;

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    A = await makeTenant(env, '腾讯科技（深圳）有限公司', '91440300708461136T');
    admin = await A.user(['tenant_admin'], '管理员');
    manager = await A.user(['contract_manager'], '李娜');
    approver = await A.user(['approver'], '周审批');
    finance = await A.user(['tenant_admin'], '吴财务');
    signer = await A.user(['signer'], '马签署');
    archivist = await A.user(['archivist'], '郑归档');
  });
  afterAll(async () => env?.close());

  const verify = (pdf: Buffer) => {
    const m = multipart('file', 'contract.pdf', pdf, 'application/pdf');
    return new Client(env.app).request('POST', '/api/v1/public/verify', m.payload, m.headers);
  };

  it('separation of duties: the drafter cannot approve their own contract, even as tenant admin', async () => {
    const c = ok<{ id: string }>(await admin.post('/api/v1/contracts', contractInput(2)), 201);
    ok(await admin.post(`/api/v1/contracts/${c.id}/submit`));
    const own = await admin.post(`/api/v1/contracts/${c.id}/approve`, {});
    expect(own.statusCode).toBe(403);
    expect(own.json().code).toBe('approval_own_contract');
    const mgr = await manager.post(`/api/v1/contracts/${c.id}/approve`, {});
    expect(mgr.statusCode).toBe(403);
    const detail = ok<{ status: string; approval: { decisions: unknown[] } }>(await admin.get(`/api/v1/contracts/${c.id}`));
    expect(detail.status).toBe('in_approval');
    expect(detail.approval.decisions).toEqual([]);
    // Illegal transitions answer 409.
    expect((await admin.post(`/api/v1/contracts/${c.id}/archive`, {})).statusCode).toBe(409);
    expect((await admin.post(`/api/v1/contracts/${c.id}/submit`)).statusCode).toBe(409);
    expect((await admin.patch(`/api/v1/contracts/${c.id}`, { title: '审批中修改' })).statusCode).toBe(409);
  });

  it('runs a two-step workflow (finance step above ¥1,000,000), with return and comments, mails and notifications', async () => {
    ok(
      await admin.request('PUT', '/api/v1/contract-workflow', {
        name: '标准审批',
        steps: [
          { name: '法务审核', approver: { kind: 'role', role: 'approver' }, mode: 'any' },
          { name: '财务审核', approver: { kind: 'user', userId: finance.id }, mode: 'all', when: { minAmountFen: 100_000_000 } },
        ],
      }),
    );
    // ¥1,280,000: two steps.
    const big = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(0)), 201);
    ok(await manager.post(`/api/v1/contracts/${big.id}/submit`));
    let d = ok<{ approval: { steps: Array<{ name: string; approvers: string[] }>; current_step: number } }>(await manager.get(`/api/v1/contracts/${big.id}`));
    expect(d.approval.steps.map((s) => s.name)).toEqual(['法务审核', '财务审核']);
    const mail = await lastMailTo(env.dataDir, approver.email, /待审批/);
    expect(mail.text).toContain('合同管理系统软件开发服务合同');
    const notes = ok<Array<{ kind: string; contractId: string }>>(await approver.get('/api/v1/contract-notifications'));
    expect(notes.some((n) => n.kind === 'approval_requested' && n.contractId === big.id)).toBe(true);
    // Finance may not decide before its step.
    expect((await finance.post(`/api/v1/contracts/${big.id}/approve`, {})).statusCode).toBe(403);
    // Return needs a comment; then the contract is `returned` (its own status: listed, filtered, counted).
    expect((await approver.post(`/api/v1/contracts/${big.id}/return`, {})).statusCode).toBe(422);
    expect(ok<{ status: string }>(await approver.post(`/api/v1/contracts/${big.id}/return`, { comment: '请补充付款节点的发票条款' })).status).toBe('returned');
    const returnedList = ok<{ items: Array<{ id: string; status: string }> }>(await manager.get('/api/v1/contracts?status=returned'));
    expect(returnedList.items.map((i) => i.id)).toEqual([big.id]);
    expect(ok<{ items: Array<{ id: string }> }>(await manager.get('/api/v1/contracts?status=draft')).items.map((i) => i.id)).not.toContain(big.id);
    expect(ok<{ byStatus: Record<string, number> }>(await manager.get('/api/v1/contract-dashboard')).byStatus.returned).toBe(1);
    // Approvers cannot decide a returned contract; the drafter edits it like a draft and resubmits.
    expect((await approver.post(`/api/v1/contracts/${big.id}/approve`, {})).statusCode).toBe(409);
    ok(await manager.patch(`/api/v1/contracts/${big.id}`, { body: contractInput(0).body + '\n补充：发票应于付款前五个工作日送达。\n' }));
    ok(await manager.post(`/api/v1/contracts/${big.id}/submit`));
    const dash = ok<{ myApprovals: Array<{ contractId: string }> }>(await approver.get('/api/v1/contract-dashboard'));
    expect(dash.myApprovals.map((a) => a.contractId)).toContain(big.id);
    expect(ok<{ status: string }>(await approver.post(`/api/v1/contracts/${big.id}/approve`, { comment: '同意' })).status).toBe('in_approval');
    d = ok(await manager.get(`/api/v1/contracts/${big.id}`));
    expect(d.approval.current_step).toBe(1);
    expect((await approver.post(`/api/v1/contracts/${big.id}/approve`, {})).statusCode).toBe(403);
    expect(ok<{ status: string }>(await finance.post(`/api/v1/contracts/${big.id}/approve`, {})).status).toBe('approved');

    // A change after approval sends it back to approval.
    const changed = ok<{ status: string; currentVersion: number }>(await manager.patch(`/api/v1/contracts/${big.id}`, { body: contractInput(0).body + '\n补充：验收以书面确认为准。\n' }));
    expect(changed.status).toBe('in_approval');
    ok(await approver.post(`/api/v1/contracts/${big.id}/approve`, {}));
    ok(await finance.post(`/api/v1/contracts/${big.id}/approve`, {}));

    // ¥450,000: one step; a rejection withdraws the contract.
    const small = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(2)), 201);
    ok(await manager.post(`/api/v1/contracts/${small.id}/submit`));
    const ds = ok<{ approval: { steps: Array<{ name: string }> } }>(await manager.get(`/api/v1/contracts/${small.id}`));
    expect(ds.approval.steps.map((s) => s.name)).toEqual(['法务审核']);
    expect(ok<{ status: string }>(await approver.post(`/api/v1/contracts/${small.id}/reject`, { comment: '预算未批' })).status).toBe('withdrawn');
  });

  it('routes a step to the head of the owner’s department, and refuses a submission no one may approve', async () => {
    const head = await A.user(['approver'], '部门负责人');
    const dept = ok<{ id: string }>(await admin.post('/api/v1/access/departments', { name: '法务部' }), 201).id;
    // The head is set on the access module's department (departments.head_user_id).
    ok(await admin.request('PATCH', `/api/v1/access/departments/${dept}`, { headUserId: head.id }));
    const listed = ok<{ items: Array<{ id: string; headUserId: string | null }> }>(await admin.get('/api/v1/access/departments'));
    expect(listed.items.find((d) => d.id === dept)?.headUserId).toBe(head.id);
    ok(await admin.request('PUT', '/api/v1/contract-workflow', { name: '部门审批', steps: [{ name: '部门负责人', approver: { kind: 'department_head' } }] }));
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', { ...contractInput(2), departmentId: dept }), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    const d = ok<{ approval: { steps: Array<{ approvers: string[] }> } }>(await manager.get(`/api/v1/contracts/${c.id}`));
    expect(d.approval.steps[0]!.approvers).toEqual([head.id]);
    expect((await approver.post(`/api/v1/contracts/${c.id}/approve`, {})).statusCode).toBe(403);
    expect(ok<{ status: string }>(await head.post(`/api/v1/contracts/${c.id}/approve`, {})).status).toBe('approved');
    // Without a department there is no head: the submission is refused and nothing changes.
    const orphan = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(2)), 201);
    const refused = await manager.post(`/api/v1/contracts/${orphan.id}/submit`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('approval_no_approvers');
    expect(ok<{ status: string }>(await manager.get(`/api/v1/contracts/${orphan.id}`)).status).toBe('draft');
    // Back to the standard workflow for the tests below.
    ok(
      await admin.request('PUT', '/api/v1/contract-workflow', {
        name: '标准审批',
        steps: [
          { name: '法务审核', approver: { kind: 'role', role: 'approver' }, mode: 'any' },
          { name: '财务审核', approver: { kind: 'user', userId: finance.id }, mode: 'all', when: { minAmountFen: 100_000_000 } },
        ],
      }),
    );
  });

  it('signs in order (internal step 1, two counterparties in parallel at step 2), seals once, and verifies', async () => {
    const c = ok<{ id: string; number: string }>(await manager.post('/api/v1/contracts', contractInput(1)), 201);
    lifecycleId = c.id;
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    ok(await finance.post(`/api/v1/contracts/${c.id}/approve`, {}));
    const signers = ok<unknown[]>(
      await manager.request('PUT', `/api/v1/contracts/${c.id}/signers`, {
        signers: [
          { kind: 'internal', step: 1, userId: signer.id },
          { kind: 'counterparty', step: 2, name: '刘洋', email: 'fawu@baidu-specimen.example.com', partyName: '北京百度网讯科技有限公司' },
          { kind: 'counterparty', step: 2, name: '陈静', email: 'chen.jing@huawei-specimen.example.com', partyName: '华为技术有限公司' },
        ],
      }),
    );
    expect(signers.length).toBe(3);
    expect((await manager.post(`/api/v1/contracts/${c.id}/signing`, { deadline: inDays(-1) })).statusCode).toBe(422);
    expect(ok<{ status: string }>(await manager.post(`/api/v1/contracts/${c.id}/signing`, { deadline: inDays(3) })).status).toBe('signing');

    // Step 2's links are not out yet; the internal signer goes first.
    await expect(linkFromMail(env, 'fawu@baidu-specimen.example.com')).rejects.toThrow();
    ok(await signer.post(`/api/v1/contracts/${c.id}/sign/code`), 202);
    const code = await codeFromMail(env, signer.email);
    expect((await signer.post(`/api/v1/contracts/${c.id}/sign`, { code: code === '000000' ? '111111' : '000000' })).statusCode).toBe(422);
    ok(await signer.post(`/api/v1/contracts/${c.id}/sign`, { code }));
    expect((await signer.post(`/api/v1/contracts/${c.id}/sign`, { code })).statusCode).toBe(409); // double sign

    const liu = await linkFromMail(env, 'fawu@baidu-specimen.example.com');
    const chen = await linkFromMail(env, 'chen.jing@huawei-specimen.example.com');
    expect(liu).not.toBe(chen);
    const pub = new Client(env.app);
    const view = ok<{ signer: { name: string }; yourTurn: boolean; contract: { body: string } }>(await pub.get(`/api/v1/public/sign/${encodeURIComponent(liu)}`));
    expect(view.signer.name).toBe('刘洋');
    expect(view.yourTurn).toBe(true);
    expect(view.contract.body).toContain('违约责任');
    ok(await pub.post(`/api/v1/public/sign/${encodeURIComponent(liu)}/code`), 202);
    ok(await pub.post(`/api/v1/public/sign/${encodeURIComponent(chen)}/code`), 202);
    const liuCode = await codeFromMail(env, 'fawu@baidu-specimen.example.com');
    const chenCode = await codeFromMail(env, 'chen.jing@huawei-specimen.example.com');
    // One signer's code never works on another's link.
    if (liuCode !== chenCode) expect((await pub.post(`/api/v1/public/sign/${encodeURIComponent(chen)}`, { code: liuCode })).statusCode).toBe(422);
    // A forged token of the same tenant finds nobody.
    expect((await pub.get(`/api/v1/public/sign/${encodeURIComponent(`${A.id}.${crypto.randomBytes(24).toString('base64url')}`)}`)).statusCode).toBe(404);

    // The two last signatures race: exactly one seal.
    const [r1, r2] = await Promise.all([
      new Client(env.app).post(`/api/v1/public/sign/${encodeURIComponent(liu)}`, { code: liuCode }),
      new Client(env.app).post(`/api/v1/public/sign/${encodeURIComponent(chen)}`, { code: chenCode }),
    ]);
    expect([r1.statusCode, r2.statusCode]).toEqual([200, 200]);
    expect([r1.json().contractStatus, r2.json().contractStatus].sort()).toEqual(['signed', 'signing']);
    expect((await pub.post(`/api/v1/public/sign/${encodeURIComponent(liu)}`, { code: liuCode })).statusCode).toBe(409);

    const seals = await asSystem(env, A.id, (tx) => tx.query(`SELECT * FROM contract_seals`));
    expect(seals.length).toBe(1);
    const sealedAtt = await asSystem(env, A.id, (tx) => tx.query(`SELECT * FROM contract_attachments WHERE kind = 'sealed'`));
    expect(sealedAtt.length).toBe(1);

    const detail = ok<{ status: string; seal: { sealedSha256: string; originalSha256: string }; signers: Array<{ status: string; method: string }> }>(await manager.get(`/api/v1/contracts/${c.id}`));
    expect(detail.status).toBe('signed');
    expect(detail.signers.every((s) => s.status === 'signed' && s.method === 'email_code')).toBe(true);
    const dl = await manager.get(`/api/v1/contracts/${c.id}/sealed.pdf`);
    expect(dl.statusCode).toBe(200);
    sealedPdf = dl.rawPayload;
    expect(crypto.createHash('sha256').update(sealedPdf).digest('hex')).toBe(detail.seal.sealedSha256);
    expect(detail.seal.originalSha256).not.toBe(detail.seal.sealedSha256);

    const trail = ok<Array<{ action: string }>>(await manager.get(`/api/v1/contracts/${c.id}/audit`));
    const actions = trail.map((e) => e.action);
    for (const a of ['contract.create', 'contract.submit', 'contract.approval_approve', 'contract.signing_start', 'contract.sign', 'contract.seal', 'contract.download']) {
      expect(actions, a).toContain(a);
    }
  });

  it('verifies the sealed PDF, and fails it after one changed byte or appended bytes', async () => {
    const good = ok<{ valid: boolean; document: { number: string; signers: Array<{ name: string }> } }>(await verify(sealedPdf));
    expect(good.valid).toBe(true);
    expect(good.document.signers.map((s) => s.name).sort()).toEqual(['刘洋', '陈静', '马签署'].sort());

    const flipped = Buffer.from(sealedPdf);
    const at = Math.floor(flipped.length / 3);
    flipped[at] = flipped[at]! ^ 0x01;
    const bad = ok<{ valid: boolean; reason: string }>(await verify(flipped));
    expect(bad.valid).toBe(false);

    const appended = Buffer.concat([sealedPdf, Buffer.from('\n1 0 obj\n<< /Evil true >>\nendobj\n%%EOF\n')]);
    const bad2 = ok<{ valid: boolean; signature: string }>(await verify(appended));
    expect(bad2.valid).toBe(false);
    expect(bad2.signature).toBe('byte_range_incomplete');

    const original = ok<{ valid: boolean }>(await verify((await import('node:fs')).readFileSync(`${process.cwd()}/test/fixtures/contracts/equipment-purchase.pdf`)));
    expect(original.valid).toBe(false);

    const pem = await new Client(env.app).get('/api/v1/public/seal-certificate');
    expect(pem.statusCode).toBe(200);
    expect(pem.body).toContain('BEGIN CERTIFICATE');
  });

  it('archives a signed contract with an archive number; an archived contract is immutable', async () => {
    expect((await approver.post(`/api/v1/contracts/${lifecycleId}/archive`, {})).statusCode).toBe(403);
    const a = ok<{ status: string; archiveNumber: string; retentionUntil: string }>(await archivist.post(`/api/v1/contracts/${lifecycleId}/archive`, { retentionYears: 30 }));
    expect(a.status).toBe('archived');
    expect(a.archiveNumber).toBe(`GD-${inDays(0).slice(0, 4)}-00001`);
    expect(a.retentionUntil.slice(0, 4)).toBe(String(Number(inDays(0).slice(0, 4)) + 30));
    expect((await manager.patch(`/api/v1/contracts/${lifecycleId}`, { title: '改名合同' })).statusCode).toBe(409);
    expect((await manager.post(`/api/v1/contracts/${lifecycleId}/withdraw`)).statusCode).toBe(409);
    expect((await archivist.post(`/api/v1/contracts/${lifecycleId}/archive`, {})).statusCode).toBe(409);
    const m = multipart('file', 'x.pdf', sealedPdf);
    expect((await manager.request('POST', `/api/v1/contracts/${lifecycleId}/attachments`, m.payload, m.headers)).statusCode).toBe(409);
    // Still verifiable after archiving.
    expect(ok<{ valid: boolean }>(await verify(sealedPdf)).valid).toBe(true);
  });

  it('refuses an out-of-turn counterparty (409, nothing saved) and an expired link', async () => {
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', { ...contractInput(2), amountFen: 100 }), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    ok(
      await manager.request('PUT', `/api/v1/contracts/${c.id}/signers`, {
        signers: [
          { kind: 'counterparty', step: 1, name: '赵磊', email: 'ht@xiaomi-specimen.example.com', partyName: '小米科技有限责任公司' },
          { kind: 'internal', step: 2, userId: signer.id },
        ],
      }),
    );
    ok(await manager.post(`/api/v1/contracts/${c.id}/signing`, { deadline: inDays(0) }));
    // The internal signer (step 2) is out of turn: 409, and no code is even sent.
    const early = await signer.post(`/api/v1/contracts/${c.id}/sign/code`);
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('signing_out_of_turn');
    const before = await asSystem(env, A.id, (tx) => tx.query<{ code_hash: string | null; status: string }>(`SELECT code_hash, status FROM contract_signers WHERE user_id = $1 AND contract_id = $2`, [signer.id, c.id]));
    expect(before).toEqual([{ code_hash: null, status: 'pending' }]);
    expect((await signer.post(`/api/v1/contracts/${c.id}/sign`, { code: '123456' })).statusCode).toBe(409);

    // The link expires at the end of the deadline day in Asia/Shanghai.
    const link = await linkFromMail(env, 'ht@xiaomi-specimen.example.com');
    const row = await asSystem(env, A.id, (tx) => tx.one<{ link_expires_at: Date }>(`SELECT link_expires_at FROM contract_signers WHERE kind = 'counterparty' AND contract_id = $1`, [c.id]));
    expect(row.link_expires_at.toISOString()).toBe(new Date(`${inDays(1)}T00:00:00+08:00`).toISOString());
    const realNow = env.ctx.now;
    env.ctx.now = () => new Date(row.link_expires_at.getTime() + 1000);
    try {
      const expired = await new Client(env.app).post(`/api/v1/public/sign/${encodeURIComponent(link)}/code`);
      expect(expired.statusCode).toBe(410);
    } finally {
      env.ctx.now = realNow;
    }
    // Withdrawal kills the link with an explanation, and the invited counterparty is told.
    ok(await manager.post(`/api/v1/contracts/${c.id}/withdraw`));
    const gone = await new Client(env.app).get(`/api/v1/public/sign/${encodeURIComponent(link)}`);
    expect(gone.statusCode).toBe(410);
    expect(gone.json().code).toBe('signing_link_withdrawn');
    expect((await lastMailTo(env.dataDir, 'ht@xiaomi-specimen.example.com', /合同已撤回/)).text).toContain('签署已取消');
  });
});
