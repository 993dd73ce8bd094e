import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, createTestEnv, lastMailTo, type TestEnv } from './helpers.js';
import { contractInput, inDays, makeTenant, ok, PASSWORD, signedContract, type TestTenant, type UserClient } from './contracts-helpers.js';

/** Number schemes, archiving of terminated and expired contracts, automatic renewal, dates in the tenant zone. */
describe('contracts: number schemes, archive rules, renewal, tenant time zone', () => {
  let env: TestEnv;
  let A: TestTenant;
  let admin: UserClient;
  let manager: UserClient;
  let approver: UserClient;
  let signer: UserClient;
  let archivist: UserClient;

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    A = await makeTenant(env, '阿里巴巴（中国）有限公司', '91330100799655058B');
    admin = await A.user(['tenant_admin'], '管理员');
    manager = await A.user(['contract_manager'], '王经理');
    approver = await A.user(['approver'], '周审批');
    signer = await A.user(['signer'], '马签署');
    archivist = await A.user(['archivist'], '郑归档');
  });
  afterAll(async () => env?.close());

  /** Runs `fn` as `user` with the clock at `iso` (a fresh session under that clock, discarded afterwards). */
  async function at<T>(iso: string, user: UserClient, fn: (c: Client) => Promise<T>): Promise<T> {
    const real = env.ctx.now;
    env.ctx.now = () => new Date(iso);
    try {
      const c = new Client(env.app);
      await c.login(user.email, PASSWORD);
      return await fn(c);
    } finally {
      env.ctx.now = real;
    }
  }

  it('numbers contracts by the tenant scheme: validated, gap-free per year in the tenant zone, unique', async () => {
    const year = inDays(0).slice(0, 4);
    const settings = ok<{ numberScheme: string; archiveNumberScheme: string; numberExample: string }>(await admin.get('/api/v1/contract-settings'));
    expect(settings).toMatchObject({ numberScheme: 'HT-{YYYY}-{seq:5}', archiveNumberScheme: 'GD-{YYYY}-{seq:5}', numberExample: `HT-${year}-00001` });
    const first = ok<{ number: string }>(await manager.post('/api/v1/contracts', contractInput(0)), 201);
    expect(first.number).toBe(`HT-${year}-00001`);

    // Invalid schemes: 422 on the field, nothing saved.
    for (const [scheme, code] of [
      ['HT-{YYYY}', 'number_scheme_seq'],
      ['HT-{seq:5}', 'number_scheme_year'],
      ['HT-{YYYY}-{seq}-{seq}', 'number_scheme_seq'],
      ['HT-{YYYY}-{seq:5}-{DD}', 'number_scheme_token'],
      ['HT {YYYY}<{seq:5}>', 'number_scheme_invalid'],
      ['HT-{YYYY}-{seq:11}', 'number_scheme_token'],
    ]) {
      const r = await admin.patch('/api/v1/contract-settings', { numberScheme: scheme });
      expect(r.statusCode, scheme).toBe(422);
      expect(r.json().errors[0]).toMatchObject({ path: 'numberScheme', code });
    }
    // Only who manages templates and settings may change it.
    expect((await signer.patch('/api/v1/contract-settings', { numberScheme: 'SZ-{YYYY}-{seq:4}' })).statusCode).toBe(403);
    expect(ok<{ numberScheme: string }>(await admin.get('/api/v1/contract-settings')).numberScheme).toBe('HT-{YYYY}-{seq:5}');

    const saved = ok<{ numberScheme: string; numberExample: string }>(await admin.patch('/api/v1/contract-settings', { numberScheme: 'SZ-{YY}{MM}-{seq:4}' }));
    expect(saved.numberScheme).toBe('SZ-{YY}{MM}-{seq:4}');
    const yymm = `${inDays(0).slice(2, 4)}${inDays(0).slice(5, 7)}`;
    expect(saved.numberExample).toBe(`SZ-${yymm}-0001`);
    // The yearly counter continues across the scheme change: no gap, no reuse.
    const second = ok<{ number: string }>(await manager.post('/api/v1/contracts', contractInput(1)), 201);
    expect(second.number).toBe(`SZ-${yymm}-0002`);

    // Year rollover in the tenant zone (Asia/Shanghai): 31 Dec 23:30 there is still the old year,
    // 1 Jan 00:30 starts a new counter at 1.
    const late = await at('2024-12-31T15:30:00Z', manager, async (c) => ok<{ number: string }>(await c.post('/api/v1/contracts', contractInput(2)), 201));
    expect(late.number).toBe('SZ-2412-0001');
    const newYear = await at('2024-12-31T16:30:00Z', manager, async (c) => ok<{ number: string }>(await c.post('/api/v1/contracts', contractInput(2)), 201));
    expect(newYear.number).toBe('SZ-2501-0001');
    const next = await at('2025-01-02T02:00:00Z', manager, async (c) => ok<{ number: string }>(await c.post('/api/v1/contracts', contractInput(2)), 201));
    expect(next.number).toBe('SZ-2501-0002');

    // {type}: the contract type in the number.
    ok(await admin.patch('/api/v1/contract-settings', { numberScheme: '{type}-{YYYY}-{seq:3}' }));
    expect(ok<{ number: string; type: string }>(await manager.post('/api/v1/contracts', contractInput(0)), 201).number).toBe(`${contractInput(0).type}-${year}-003`);
    // Every change of scheme is audited with the previous one.
    const audit = await env.ctx.db.platform((tx) =>
      tx.query<{ details: { numberScheme: string; previousNumbering?: { numberScheme: string } } }>(
        `SELECT details FROM audit_events WHERE tenant_id = $1 AND action = 'contract_settings.update' ORDER BY occurred_at`,
        [A.id],
      ),
    );
    expect(audit.map((a) => [a.details.numberScheme, a.details.previousNumbering?.numberScheme])).toEqual([
      ['SZ-{YY}{MM}-{seq:4}', 'HT-{YYYY}-{seq:5}'],
      ['{type}-{YYYY}-{seq:3}', 'SZ-{YY}{MM}-{seq:4}'],
    ]);
    ok(await admin.patch('/api/v1/contract-settings', { numberScheme: 'HT-{YYYY}-{seq:5}' }));
  });

  it('archives signed, terminated and expired contracts with the archive scheme; retention from 29 February is 28 February', async () => {
    ok(await admin.patch('/api/v1/contract-settings', { archiveNumberScheme: '档{YYYY}-{seq:4}' }));
    const year = inDays(0).slice(0, 4);
    // Terminated → archived (the final business status is kept).
    const t = await signedContract(env, manager, approver, signer, contractInput(0, { title: '终止后归档的合同' }));
    ok(await manager.post(`/api/v1/contracts/${t}/terminate`));
    const ta = ok<{ status: string; archivedFrom: string; archiveNumber: string }>(await archivist.post(`/api/v1/contracts/${t}/archive`, {}));
    expect(ta).toMatchObject({ status: 'archived', archivedFrom: 'terminated', archiveNumber: `档${year}-0001` });
    // Expired (end date passed, no auto-renewal) → archived.
    const e = await signedContract(env, manager, approver, signer, contractInput(1, { title: '到期后归档的合同', startDate: '2025-01-01', endDate: inDays(-2) }));
    await env.services.contracts.runExpiryReminders();
    expect(ok<{ status: string }>(await manager.get(`/api/v1/contracts/${e}`)).status).toBe('expired');
    const ea = ok<{ status: string; archivedFrom: string; archiveNumber: string }>(await archivist.post(`/api/v1/contracts/${e}/archive`, {}));
    expect(ea).toMatchObject({ status: 'archived', archivedFrom: 'expired', archiveNumber: `档${year}-0002` });
    // Archived: immutable.
    expect((await archivist.post(`/api/v1/contracts/${e}/archive`, {})).statusCode).toBe(409);
    expect((await manager.patch(`/api/v1/contracts/${e}`, { title: '归档后修改' })).statusCode).toBe(409);

    // Archiving on 29 February 2024 (Shanghai) with 10 years' retention: kept until 28 February 2034.
    const leap = await signedContract(env, manager, approver, signer, contractInput(2, { title: '闰日归档的合同' }));
    const la = await at('2024-02-29T04:00:00Z', archivist, async (c) => ok<{ retentionUntil: string; archiveNumber: string }>(await c.post(`/api/v1/contracts/${leap}/archive`, { retentionYears: 10 })));
    expect(la).toMatchObject({ retentionUntil: '2034-02-28', archiveNumber: '档2024-0001' });

    // Immutable in the database too: even a trusted flow cannot change an archived row or a seal.
    const sys = (sql: string) => env.ctx.db.tenant(A.id, async (tx) => {
      await env.services.access.applySystemScope(tx, A.id, 'test');
      await tx.execute(sql, [leap]);
    });
    await expect(sys(`UPDATE contracts SET title = '篡改' WHERE id = $1`)).rejects.toThrow(/archived/);
    await expect(sys(`DELETE FROM contracts WHERE id = $1`)).rejects.toThrow();
    await expect(sys(`UPDATE contract_seals SET sealed_sha256 = 'x' WHERE contract_id = $1`)).rejects.toThrow(/permission denied/);
    expect(ok<{ title: string }>(await manager.get(`/api/v1/contracts/${leap}`)).title).toBe('闰日归档的合同');
  });

  it('never expires a contract with auto-renewal: renews it for its term (recorded, owner told)', async () => {
    const today = inDays(0);
    // A one-year term from 1 March: renewed year by year until the current term contains today.
    const id = await signedContract(env, manager, approver, signer, contractInput(0, { title: '自动续期的服务合同', autoRenew: true, startDate: '2023-03-01', endDate: '2024-02-29' }));
    let y = 2024;
    while (`${y + 1}-02-${(y + 1) % 4 === 0 ? 29 : 28}` < today) y++;
    const expected = { startDate: `${y}-03-01`, endDate: `${y + 1}-02-${(y + 1) % 4 === 0 ? 29 : 28}` };
    await env.services.contracts.runExpiryReminders();
    const c = ok<{ status: string; startDate: string; endDate: string }>(await manager.get(`/api/v1/contracts/${id}`));
    expect(c).toMatchObject({ status: 'signed', ...expected });
    const audit = ok<Array<{ action: string; details: { previous: { end: string }; current: { end: string } } }>>(await manager.get(`/api/v1/contracts/${id}/audit`));
    const renewed = audit.filter((a) => a.action === 'contract.renewed');
    expect(renewed).toHaveLength(1);
    expect(renewed[0]!.details).toMatchObject({ previous: { start: '2023-03-01', end: '2024-02-29' }, current: { start: expected.startDate, end: expected.endDate } });
    expect((await lastMailTo(env.dataDir, manager.email, /自动续期/)).text).toContain(expected.endDate);
    // Running again changes nothing.
    await env.services.contracts.runExpiryReminders();
    expect(ok<{ endDate: string }>(await manager.get(`/api/v1/contracts/${id}`)).endDate).toBe(expected.endDate);
  });

  it('whoever changes an approved contract does not approve the change; an internal signer appears once', async () => {
    const editor = await A.user(['approver', 'contract_manager'], '钱编辑');
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(1, { title: '职责分离修改合同' })), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    expect(ok<{ status: string }>(await editor.patch(`/api/v1/contracts/${c.id}`, { amountFen: 2_560_000_00 })).status).toBe('in_approval');
    const d = ok<{ approval: { steps: Array<{ approvers: string[] }> } }>(await manager.get(`/api/v1/contracts/${c.id}`));
    expect(d.approval.steps[0]!.approvers).toContain(approver.id);
    expect(d.approval.steps[0]!.approvers).not.toContain(editor.id);
    expect((await editor.post(`/api/v1/contracts/${c.id}/approve`, {})).statusCode).toBe(403);
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    const dup = await manager.request('PUT', `/api/v1/contracts/${c.id}/signers`, { signers: [{ kind: 'internal', step: 1, userId: signer.id }, { kind: 'internal', step: 2, userId: signer.id }] });
    expect(dup.statusCode).toBe(422);
    expect(dup.json().errors[0]).toMatchObject({ path: 'signers.1.userId', code: 'signer_duplicate' });
  });

  it('shows the signing deadline in the tenant’s time zone (New York), in mails and in the 410 answer', async () => {
    const N = await makeTenant(env, '纽约贸易有限公司', '91310000MA1FL0XX2K');
    await env.ctx.db.platform((tx) => tx.execute(`UPDATE tenants SET time_zone = 'America/New_York' WHERE id = $1`, [N.id]));
    const nManager = await N.user(['contract_manager'], '林经理');
    const nApprover = await N.user(['approver'], '周审批');
    const nSigner = await N.user(['signer'], '赵签署');
    const c = ok<{ id: string }>(await nManager.post('/api/v1/contracts', contractInput(2, { title: '纽约时区签署合同' })), 201);
    ok(await nManager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await nApprover.post(`/api/v1/contracts/${c.id}/approve`, {}));
    const guoMail = 'guo.ny@specimen-trading.example.com';
    ok(await nManager.request('PUT', `/api/v1/contracts/${c.id}/signers`, { signers: [{ kind: 'counterparty', step: 1, name: '郭伟', email: guoMail, partyName: '上海外贸有限公司' }, { kind: 'internal', step: 2, userId: nSigner.id }] }));
    const nyToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const deadline = new Date(Date.parse(`${nyToday}T12:00:00Z`) + 5 * 86_400_000).toISOString().slice(0, 10);
    ok(await nManager.post(`/api/v1/contracts/${c.id}/signing`, { deadline }));
    const invite = await lastMailTo(env.dataDir, guoMail, /请签署合同/);
    expect(invite.text).toContain(`签署截止：${deadline}`);
    const token = decodeURIComponent(/\/sign\/([^\s"<]+)/.exec(invite.text ?? '')![1]!);
    const d = ok<{ signers: Array<{ linkExpiresAt: string }> }>(await nManager.get(`/api/v1/contracts/${c.id}`));
    const expires = new Date(d.signers[0]!.linkExpiresAt);
    // The end of the deadline day in New York (UTC−5 or UTC−4).
    expect([4, 5]).toContain((expires.getTime() - Date.parse(`${deadline}T00:00:00Z`) - 86_400_000) / 3_600_000);
    const real = env.ctx.now;
    env.ctx.now = () => new Date(expires.getTime() + 60_000);
    try {
      const gone = await new Client(env.app).get(`/api/v1/public/sign/${encodeURIComponent(token)}`);
      expect(gone.statusCode).toBe(410);
      expect(gone.json().detail).toContain(deadline);
      // The deadline job ends the round and tells the owner the same day.
      await env.services.contracts.runSigningDeadlines();
    } finally {
      env.ctx.now = real;
    }
    expect((await lastMailTo(env.dataDir, nManager.email, /签署已过截止日/)).text).toContain(deadline);
  });
});
