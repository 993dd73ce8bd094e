import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestEnv, outbox, type TestEnv } from './helpers.js';
import { asSystem, contractInput, inDays, makeTenant, ok, signedContract, type TestTenant, type UserClient } from './contracts-helpers.js';

/** Custom fields, metadata versions, followers, reminder settings, notifications and the people picker. */
describe('contracts: custom fields, metadata versions, followers, notifications', () => {
  let env: TestEnv;
  let A: TestTenant;
  let B: TestTenant;
  let admin: UserClient;
  let manager: UserClient;
  let approver: UserClient;
  let signer: UserClient;
  let viewer: UserClient;
  let managerB: UserClient;

  const FIELDS = [
    { key: 'project_code', labelZh: '项目编号', labelEn: 'Project code', type: 'text', required: true },
    { key: 'budget_line', labelZh: '预算科目', labelEn: 'Budget line', type: 'select', options: ['研发费用', '管理费用', '销售费用'] },
    { key: 'deposit', labelZh: '履约保证金', labelEn: 'Performance bond', type: 'amount' },
    { key: 'acceptance_date', labelZh: '验收日期', labelEn: 'Acceptance date', type: 'date' },
    { key: 'headcount', labelZh: '驻场人数', labelEn: 'On-site staff', type: 'number' },
  ];

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    A = await makeTenant(env, '杭州云栖数据科技有限公司', '91330106MA2H0XYZ1K');
    B = await makeTenant(env, '成都天府软件股份有限公司', '91510100MA61ABCD2E');
    admin = await A.user(['tenant_admin'], '王管理');
    manager = await A.user(['contract_manager'], '李娜');
    approver = await A.user(['approver'], '周审批');
    signer = await A.user(['signer'], '马签署');
    viewer = await A.user(['viewer'], '钱查看');
    managerB = await B.user(['contract_manager'], '陈静');
  });
  afterAll(async () => env?.close());

  it('lets templates.manage define custom fields, and refuses others and bad definitions', async () => {
    expect((await approver.request('PUT', '/api/v1/contract-fields', { fields: FIELDS })).statusCode).toBe(403);
    const dup = await admin.request('PUT', '/api/v1/contract-fields', { fields: [FIELDS[0], FIELDS[0]] });
    expect(dup.statusCode).toBe(422);
    expect(dup.json().errors.map((e: { path: string }) => e.path)).toContain('fields.1.key');
    const noOptions = await admin.request('PUT', '/api/v1/contract-fields', { fields: [{ ...FIELDS[1], options: [] }] });
    expect(noOptions.statusCode).toBe(422);
    expect(noOptions.json().errors.map((e: { path: string }) => e.path)).toContain('fields.0.options');
    const defs = ok<Array<{ key: string; labelZh: string; required: boolean }>>(await admin.request('PUT', '/api/v1/contract-fields', { fields: FIELDS }));
    expect(defs.map((d) => d.key)).toEqual(FIELDS.map((f) => f.key));
    expect(defs[0]).toMatchObject({ labelZh: '项目编号', required: true });
    // Everyone who can see contracts reads the definitions (the forms need them); tenant B sees none of A's.
    expect(ok<unknown[]>(await viewer.get('/api/v1/contract-fields'))).toHaveLength(5);
    expect(ok<unknown[]>(await managerB.get('/api/v1/contract-fields'))).toHaveLength(0);
    const trail = await asSystem(env, A.id, (tx) => tx.query<{ details: { keys: string[] } }>(`SELECT details FROM audit_events WHERE action = 'contract_fields.set'`));
    expect(trail.at(-1)?.details.keys).toEqual(FIELDS.map((f) => f.key));
  });

  it('validates custom field values against the definitions (422 customFields.<key>), saves nothing on error, and filters by them', async () => {
    const before = ok<{ total: number }>(await manager.get('/api/v1/contracts')).total;
    const bad = await manager.post('/api/v1/contracts', contractInput(0, {
      customFields: { budget_line: '差旅费用', deposit: 12.5, acceptance_date: '2026-02-30', headcount: '三人', color: '红' },
    }));
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'customFields.acceptance_date',
      'customFields.budget_line',
      'customFields.color',
      'customFields.deposit',
      'customFields.headcount',
      'customFields.project_code',
    ]);
    const en = await manager.request('POST', '/api/v1/contracts', contractInput(0, { customFields: { project_code: 'YQ-2026-017', budget_line: '差旅费用' } }), { 'accept-language': 'en' });
    expect(en.json().errors[0].message).toContain('研发费用');
    expect(ok<{ total: number }>(await manager.get('/api/v1/contracts')).total).toBe(before);

    const c = ok<{ id: string; customFields: Record<string, unknown> }>(
      await manager.post('/api/v1/contracts', contractInput(0, {
        customFields: { project_code: ' YQ-2026-017 ', budget_line: '研发费用', deposit: 5_000_000, acceptance_date: '2026-09-30', headcount: 3 },
      })),
      201,
    );
    expect(c.customFields).toEqual({ project_code: 'YQ-2026-017', budget_line: '研发费用', deposit: 5_000_000, acceptance_date: '2026-09-30', headcount: 3 });
    ok(await manager.post('/api/v1/contracts', contractInput(1, { customFields: { project_code: 'YQ-2026-018', budget_line: '管理费用' } })), 201);
    // An update replaces the values and is checked the same way; a required value cannot be removed.
    const up = await manager.patch(`/api/v1/contracts/${c.id}`, { customFields: { budget_line: '研发费用' } });
    expect(up.statusCode).toBe(422);
    expect(up.json().errors.map((e: { path: string }) => e.path)).toEqual(['customFields.project_code']);
    const list = ok<{ items: Array<{ id: string }> }>(await manager.get(`/api/v1/contracts?fieldKey=budget_line&fieldValue=${encodeURIComponent('研发费用')}`));
    expect(list.items.map((i) => i.id)).toEqual([c.id]);
  });

  it('makes every metadata change a version, shows it in the diff and keeps the values (not contact data) in the audit', async () => {
    const c = ok<{ id: string; currentVersion: number }>(
      await manager.post('/api/v1/contracts', contractInput(2, { customFields: { project_code: 'YQ-2026-020' } })),
      201,
    );
    expect(c.currentVersion).toBe(1);
    const input = contractInput(2);
    const parties = [{ ...input.counterparties[0]!, contact: { name: '赵联系', phone: '13800138000', email: 'zhao@partner.example.cn' } }];
    const u = ok<{ currentVersion: number; amountFen: number }>(
      await manager.patch(`/api/v1/contracts/${c.id}`, { amountFen: 128_000_000, endDate: '2027-12-31', counterparties: parties, customFields: { project_code: 'YQ-2026-021' }, note: '调整金额与期限' }),
    );
    expect(u.currentVersion).toBe(2);
    expect(u.amountFen).toBe(128_000_000);
    // Saving the same values again (parties with their keys in another order) changes nothing and makes no version.
    const reordered = parties.map((p) => ({ contact: { email: p.contact.email, phone: p.contact.phone, name: p.contact.name }, role: p.role, uscc: p.uscc, name: p.name }));
    expect(ok<{ currentVersion: number }>(await manager.patch(`/api/v1/contracts/${c.id}`, { counterparties: reordered, amountFen: 128_000_000 })).currentVersion).toBe(2);
    expect(ok<{ currentVersion: number }>(await manager.patch(`/api/v1/contracts/${c.id}`, { amountFen: 128_000_000 })).currentVersion).toBe(2);
    const d = ok<{ parts: Array<{ op: string }>; metadata: Array<{ field: string; from: unknown; to: unknown }> }>(await manager.get(`/api/v1/contracts/${c.id}/diff?from=1&to=2`));
    expect(d.parts.every((p) => p.op === 'equal')).toBe(true);
    const byField = Object.fromEntries(d.metadata.map((m) => [m.field, m]));
    expect(byField.amountFen).toMatchObject({ from: input.amountFen, to: 128_000_000 });
    expect(byField.endDate).toMatchObject({ from: input.endDate, to: '2027-12-31' });
    expect(byField['customFields.project_code']).toMatchObject({ from: 'YQ-2026-020', to: 'YQ-2026-021' });
    expect(byField.counterparties).toBeDefined();
    const rows = await asSystem(env, A.id, (tx) =>
      tx.query<{ details: { changes: Array<{ field: string; from: unknown; to: unknown }>; newVersion: number } }>(
        `SELECT details FROM audit_events WHERE action = 'contract.update' AND object_id = $1 ORDER BY seq`,
        [c.id],
      ),
    );
    const first = rows[0]!.details;
    expect(first.newVersion).toBe(2);
    expect(first.changes.find((x) => x.field === 'amountFen')).toMatchObject({ from: input.amountFen, to: 128_000_000 });
    // The counterparty's company is in the audit; the contact person's phone and e-mail are not.
    const text = JSON.stringify(rows);
    expect(text).toContain(input.counterparties[0]!.name);
    expect(text).not.toContain('13800138000');
    expect(text).not.toContain('zhao@partner.example.cn');
    // The snapshot is encrypted at rest like the body.
    const raw = await asSystem(env, A.id, (tx) => tx.query<{ meta_enc: string }>(`SELECT meta_enc FROM contract_versions WHERE contract_id = $1 ORDER BY version`, [c.id]));
    expect(raw).toHaveLength(2);
    expect(raw.every((r) => r.meta_enc && !r.meta_enc.includes('YQ-2026'))).toBe(true);
  });

  it('keeps expiry reminder days per tenant (default 90/30/7) and reminds at those thresholds', async () => {
    expect(ok<{ expiryReminderDays: number[] }>(await manager.get('/api/v1/contract-settings')).expiryReminderDays).toEqual([90, 30, 7]);
    expect((await viewer.patch('/api/v1/contract-settings', { expiryReminderDays: [60, 14] })).statusCode).toBe(403);
    const bad = await admin.patch('/api/v1/contract-settings', { expiryReminderDays: [14, 14] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].path).toBe('expiryReminderDays');
    expect(ok<{ expiryReminderDays: number[] }>(await admin.patch('/api/v1/contract-settings', { expiryReminderDays: [14, 60] })).expiryReminderDays).toEqual([60, 14]);
    const id = await signedContract(env, manager, approver, signer, { title: '数据中心运维服务合同', type: 'service', body: '运维服务\n违约责任\n', startDate: inDays(-200), endDate: inDays(40), customFields: { project_code: 'YQ-2026-030' } });
    const f = ok<{ following: boolean; followers: Array<{ name: string }> }>(await viewer.post(`/api/v1/contracts/${id}/follow`));
    expect(f.following).toBe(true);
    expect(f.followers.map((x) => x.name)).toEqual(['钱查看']);
    expect(ok<{ following: boolean }>(await viewer.get(`/api/v1/contracts/${id}`)).following).toBe(true);
    // A second follower loses clearance for the contract (internal → public) after following it: not told.
    const demoted = await A.user(['viewer'], '孙降级');
    ok(await demoted.post(`/api/v1/contracts/${id}/follow`));
    await env.ctx.db.platform(async (tx) => {
      await tx.actAsTenant(A.id);
      await tx.execute(`UPDATE users SET clearance = 'public' WHERE id = $1`, [demoted.id]);
    });
    await env.services.contracts.runExpiryReminders();
    const rows = await asSystem(env, A.id, (tx) => tx.query<{ threshold_days: number }>(`SELECT threshold_days FROM contract_reminders WHERE contract_id = $1`, [id]));
    expect(rows.map((r) => r.threshold_days)).toEqual([60]);
    const told = await asSystem(env, A.id, (tx) => tx.query<{ user_id: string }>(`SELECT user_id FROM contract_notifications WHERE contract_id = $1 AND kind = 'expiry_reminder'`, [id]));
    expect(told.map((r) => r.user_id).sort()).toEqual([manager.id, viewer.id].sort());
    expect((await outbox(env.dataDir)).some((m) => JSON.stringify(m.to).includes(demoted.email))).toBe(false);
    // Unfollowing stops the reminders for that user; tenant B cannot follow A's contract.
    expect(ok<{ following: boolean }>(await viewer.request('DELETE', `/api/v1/contracts/${id}/follow`)).following).toBe(false);
    expect((await managerB.post(`/api/v1/contracts/${id}/follow`)).statusCode).toBe(404);
  });

  it('shows my notifications with an unread count, and marks one or all read (never another user’s)', async () => {
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(1, { customFields: { project_code: 'YQ-2026-040' } })), 201);
    const unread0 = ok<{ unread: number }>(await approver.get('/api/v1/contract-notifications/unread-count')).unread;
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    expect(ok<{ unread: number }>(await approver.get('/api/v1/contract-notifications/unread-count')).unread).toBe(unread0 + 1);
    const notes = ok<Array<{ id: string; kind: string; contractId: string; readAt: string | null; params: { title: string } }>>(await approver.get('/api/v1/contract-notifications'));
    const mine = notes.find((n) => n.contractId === c.id)!;
    expect(mine.kind).toBe('approval_requested');
    expect(mine.params.title).toBe(contractInput(1).title);
    // Another user cannot mark it read.
    expect((await manager.post(`/api/v1/contract-notifications/${mine.id}/read`)).statusCode).toBe(404);
    const r = ok<{ unread: number; marked: number }>(await approver.post(`/api/v1/contract-notifications/${mine.id}/read`));
    expect(r).toMatchObject({ marked: 1, unread: unread0 });
    expect(ok<Array<{ id: string; readAt: string | null }>>(await approver.get('/api/v1/contract-notifications')).find((n) => n.id === mine.id)!.readAt).not.toBeNull();
    ok(await approver.post('/api/v1/contract-notifications/read-all'));
    expect(ok<{ unread: number }>(await approver.get('/api/v1/contract-notifications/unread-count')).unread).toBe(0);
  });

  it('saves templates only when every variable of the text is declared, and edits them (typed variables)', async () => {
    const tpl = { name: '保密协议（简版）', type: 'nda', variables: [{ name: 'partyB', type: 'party', label: '乙方' }], body: '甲方与{{partyB}}签订本协议，自{{startDate}}起生效。\n第一条 保密义务\n第二条 违约责任\n' };
    const bad = await manager.post('/api/v1/contract-templates', tpl);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([expect.objectContaining({ path: 'body', message: expect.stringContaining('startDate') })]);
    const dup = await manager.post('/api/v1/contract-templates', { ...tpl, variables: [...tpl.variables, { name: 'partyB', type: 'text' }] });
    expect(dup.json().errors.map((e: { path: string }) => e.path)).toContain('variables.1.name');
    const t = ok<{ id: string }>(await manager.post('/api/v1/contract-templates', { ...tpl, variables: [...tpl.variables, { name: 'startDate', type: 'date', label: '生效日期' }] }), 201);
    expect((await approver.request('PUT', `/api/v1/contract-templates/${t.id}`, tpl)).statusCode).toBe(403);
    ok(await manager.request('PUT', `/api/v1/contract-templates/${t.id}`, { ...tpl, body: '甲方与{{partyB}}签订本协议。\n第一条 保密义务\n' }));
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', { title: '保密协议（云栖）', type: 'nda', templateId: t.id, values: { partyB: '成都天府软件股份有限公司' }, customFields: { project_code: 'YQ-2026-050' } }), 201);
    expect(ok<{ body: string }>(await manager.get(`/api/v1/contracts/${c.id}`)).body.trimEnd()).toBe('甲方与成都天府软件股份有限公司签订本协议。\n第一条 保密义务');
    expect((await managerB.request('PUT', `/api/v1/contract-templates/${t.id}`, { ...tpl, body: '{{partyB}}' })).statusCode).toBe(404);
  });

  it('lists people by name for the signer picker, with who may sign, and only of my tenant', async () => {
    const people = ok<Array<{ id: string; name: string; canSign: boolean; canApprove: boolean }>>(await manager.get(`/api/v1/contract-people?q=${encodeURIComponent('马')}`));
    expect(people).toEqual([expect.objectContaining({ id: signer.id, name: '马签署', canSign: true })]);
    expect(JSON.stringify(people)).not.toContain('@');
    const all = ok<Array<{ id: string; canApprove: boolean }>>(await manager.get('/api/v1/contract-people'));
    expect(all.find((p) => p.id === approver.id)?.canApprove).toBe(true);
    expect(ok<Array<{ id: string }>>(await managerB.get('/api/v1/contract-people')).map((p) => p.id)).toEqual([managerB.id]);
  });
});
