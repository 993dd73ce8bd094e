import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, adminClient, createTestEnv, outbox, type TestEnv } from './helpers.js';
import { PASSWORD, addUser, invitationToken, provisionTenant, setEntitlements, setStatus, type TenantFixture } from './accessHelpers.js';

interface HistoryRow {
  kind: string;
  actor: string;
  subjectLabel: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string | null;
}

const historyOf = async (c: Client, kind?: string) =>
  ((await c.get(`/api/v1/access/history${kind ? `?kind=${encodeURIComponent(kind)}` : ''}`)).json() as { items: HistoryRow[]; truncated: boolean });

describe('access hardening: no privilege escalation, reasons in the history, invitations and tiers', () => {
  let env: TestEnv;
  let operator: Client;
  let t: TenantFixture;

  beforeAll(async () => {
    env = await createTestEnv({ ...ADMIN, trustProxy: true });
    await env.services.security.bootstrapAdmin();
    operator = await adminClient(env);
    t = await provisionTenant(env, 'harden');
    await setEntitlements(operator, t.tenantId, { modules: ['drafting', 'approval', 'signing', 'archiving'], seatLimit: 30, tier: 'confidential' });
  }, 120_000);
  afterAll(async () => env?.close());

  it('a user manager without admin rights cannot hand out more than they hold, nor touch their own roles, clearance or scope', async () => {
    // "人事专员": manages users, views and downloads contracts; not a tenant admin.
    const hrRole = await t.admin.post('/api/v1/access/roles', { name: '人事专员', permissions: ['users.manage', 'roles.manage', 'contracts.view', 'contracts.download'] });
    expect(hrRole.statusCode).toBe(201);
    t.roleIds.hr = hrRole.json().id;
    const hr = await addUser(env, t, 'hr', ['hr'], { clearance: 'internal', scope: 'department' });
    const target = await addUser(env, t, 'zhangsan', ['viewer'], { clearance: 'public', scope: 'own' });

    // The tenant admin role, to someone else or in an invitation.
    const toAdmin = await hr.client.patch(`/api/v1/access/users/${target.userId}`, { roleIds: [t.roleIds.viewer, t.roleIds.tenant_admin] }, { 'accept-language': 'en' });
    expect(toAdmin.statusCode).toBe(403);
    expect(toAdmin.json()).toMatchObject({ code: 'assign_admin_requires_admin', detail: expect.stringContaining('tenant admin') });
    const inviteAdmin = await hr.client.post('/api/v1/access/invitations', { email: 'wang.wu@example.com', roleIds: [t.roleIds.tenant_admin] });
    expect(inviteAdmin.statusCode).toBe(403);
    expect(inviteAdmin.json().code).toBe('assign_admin_requires_admin');

    // A role holding what the manager does not hold (contract manager drafts; HR does not).
    const tooMuch = await hr.client.patch(`/api/v1/access/users/${target.userId}`, { roleIds: [t.roleIds.viewer, t.roleIds.contract_manager] });
    expect(tooMuch.statusCode).toBe(403);
    expect(tooMuch.json()).toMatchObject({ code: 'role_exceeds_own_permissions', detail: expect.stringContaining('contracts.create') });
    // The refused change saved nothing.
    const users = (await t.admin.get('/api/v1/access/users')).json().items as Array<{ id: string; roles: string[] }>;
    expect(users.find((u) => u.id === target.userId)!.roles).toEqual(['viewer']);
    // A role within what HR holds is fine (viewer: view + download).
    const viewer2 = await addUser(env, t, 'lisi', ['auditor']);
    expect((await hr.client.patch(`/api/v1/access/users/${viewer2.userId}`, { roleIds: [t.roleIds.viewer] })).statusCode).toBe(200);
    // Nor can HR build a custom role with more than it holds.
    const bigRole = await hr.client.post('/api/v1/access/roles', { name: '审批专员', permissions: ['contracts.view', 'contracts.approve'] });
    expect(bigRole.statusCode).toBe(403);
    expect(bigRole.json().code).toBe('role_exceeds_own_permissions');

    // Grants above HR's own clearance or scope.
    const highClearance = await hr.client.patch(`/api/v1/access/users/${target.userId}`, { clearance: 'confidential' });
    expect(highClearance.statusCode).toBe(403);
    expect(highClearance.json().code).toBe('clearance_above_own');
    expect((await hr.client.patch(`/api/v1/access/users/${target.userId}`, { scope: 'tenant' })).json().code).toBe('scope_above_own');
    expect((await hr.client.patch(`/api/v1/access/users/${target.userId}`, { clearance: 'internal', scope: 'department' })).statusCode).toBe(200);

    // Their own roles, clearance and scope.
    const ownRoles = await hr.client.patch(`/api/v1/access/users/${hr.userId}`, { roleIds: [t.roleIds.hr, t.roleIds.viewer] });
    expect(ownRoles.statusCode).toBe(403);
    expect(ownRoles.json().code).toBe('own_roles_readonly');
    expect((await hr.client.patch(`/api/v1/access/users/${hr.userId}`, { clearance: 'confidential' })).json().code).toBe('own_clearance_raise');
    expect((await hr.client.patch(`/api/v1/access/users/${hr.userId}`, { scope: 'tenant' })).json().code).toBe('own_scope_raise');
    // Unchanged roles (as the edit form sends them) and a lower clearance are fine; so is a new name.
    const ok = await hr.client.patch(`/api/v1/access/users/${hr.userId}`, { roleIds: [t.roleIds.hr], clearance: 'public', name: '人事 王芳' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ name: '人事 王芳', clearance: 'public' });
    // An invitation without a clearance gets the inviter's own when that is lower than the default.
    expect((await hr.client.post('/api/v1/access/invitations', { email: 'chen.qi@example.com', roleIds: [t.roleIds.viewer] })).statusCode).toBe(201);
    expect((await historyOf(t.admin, 'user.invite')).items.find((h) => h.subjectLabel === 'chen.qi@example.com')!.after).toMatchObject({ clearance: 'public', roles: ['viewer'] });

    // A tenant admin is out of reach for a non-admin.
    const disableAdmin = await hr.client.post(`/api/v1/access/users/${t.adminUserId}/disable`, {});
    expect(disableAdmin.statusCode).toBe(403);
    expect(disableAdmin.json().code).toBe('admin_target_requires_admin');

    // Every refusal is a recorded denial of HR.
    const denials = (await t.admin.get('/api/v1/access/denials')).json().items as Array<{ userId: string; reason: string; permission: string | null }>;
    const mine = denials.filter((d) => d.userId === hr.userId).map((d) => d.reason);
    for (const code of ['assign_admin_requires_admin', 'role_exceeds_own_permissions', 'clearance_above_own', 'scope_above_own', 'own_roles_readonly', 'own_clearance_raise', 'own_scope_raise', 'admin_target_requires_admin']) {
      expect(mine).toContain(code);
    }
    expect(denials.find((d) => d.userId === hr.userId && d.reason === 'role_exceeds_own_permissions')!.permission).toMatch(/^contracts\./);
  }, 120_000);

  it('a tenant admin grants any role but does not change their own roles', async () => {
    const own = await t.admin.patch(`/api/v1/access/users/${t.adminUserId}`, { roleIds: [t.roleIds.tenant_admin, t.roleIds.auditor] });
    expect(own.statusCode).toBe(403);
    expect(own.json().code).toBe('own_roles_readonly');
    const u = await addUser(env, t, 'zhaoliu', ['viewer']);
    expect((await t.admin.patch(`/api/v1/access/users/${u.userId}`, { roleIds: [t.roleIds.tenant_admin], clearance: 'confidential', scope: 'tenant' })).statusCode).toBe(200);
  }, 60_000);

  it('every permission change carries its reason into the history; revocations, departments and settings are recorded', async () => {
    const u = await addUser(env, t, 'sunqi', ['viewer']);
    expect((await t.admin.patch(`/api/v1/access/users/${u.userId}`, { roleIds: [t.roleIds.approver], reason: '调岗至法务部，负责审批' })).statusCode).toBe(200);
    expect((await t.admin.post(`/api/v1/access/users/${u.userId}/disable`, { reason: '员工离职' })).statusCode).toBe(200);
    expect((await t.admin.post(`/api/v1/access/users/${u.userId}/enable`, { reason: '返聘' })).statusCode).toBe(200);
    const roles = await historyOf(t.admin, 'user.roles');
    const change = roles.items.find((h) => h.subjectLabel === u.email)!;
    expect(change).toMatchObject({ reason: '调岗至法务部，负责审批', before: { roles: ['viewer'], roleNames: ['查看者'] }, after: { roles: ['approver'], roleNames: ['审批人'] } });
    const status = (await historyOf(t.admin, 'user.status')).items.filter((h) => h.subjectLabel === u.email);
    expect(status.map((h) => h.reason)).toEqual(['返聘', '员工离职']);

    // Invitation sent and revoked, with reasons.
    const inv = await t.admin.post('/api/v1/access/invitations', { email: 'zhou.ba@example.com', roleIds: [t.roleIds.signer], reason: '新签约外包人员' });
    expect(inv.statusCode).toBe(201);
    const revoked = await t.admin.request('DELETE', `/api/v1/access/invitations/${inv.json().id}?reason=${encodeURIComponent('合同未签，取消邀请')}`);
    expect(revoked.statusCode).toBe(204);
    expect((await historyOf(t.admin, 'user.invite')).items.find((h) => h.kind === 'user.invite' && h.subjectLabel === 'zhou.ba@example.com')!.reason).toBe('新签约外包人员');
    expect((await historyOf(t.admin, 'user.invite.revoke')).items[0]).toMatchObject({
      subjectLabel: 'zhou.ba@example.com', reason: '合同未签，取消邀请', before: { status: 'pending', roles: ['signer'] }, after: { status: 'revoked' },
    });

    // Departments: create, move, head, delete.
    const sales = (await t.admin.post('/api/v1/access/departments', { name: '销售部', reason: '组织架构调整' })).json();
    const east = (await t.admin.post('/api/v1/access/departments', { name: '华东大区' })).json();
    expect((await t.admin.patch(`/api/v1/access/departments/${east.id}`, { parentId: sales.id, reason: '华东大区并入销售部' })).statusCode).toBe(200);
    expect((await t.admin.patch(`/api/v1/access/departments/${east.id}`, { headUserId: u.userId, reason: '任命负责人' })).statusCode).toBe(200);
    const dept = (await historyOf(t.admin, 'department')).items;
    expect(dept.find((h) => h.kind === 'department.create' && h.subjectLabel === '销售部')!.reason).toBe('组织架构调整');
    expect(dept.find((h) => h.kind === 'department.move')).toMatchObject({ subjectLabel: '华东大区', before: { parentId: null }, after: { parentName: '销售部' }, reason: '华东大区并入销售部' });
    expect(dept.find((h) => h.kind === 'department.head')).toMatchObject({ after: { head: u.email }, reason: '任命负责人' });
    expect((await t.admin.patch(`/api/v1/access/departments/${east.id}`, { headUserId: null })).statusCode).toBe(200);
    expect((await t.admin.patch(`/api/v1/access/departments/${east.id}`, { parentId: null })).statusCode).toBe(200);
    expect((await t.admin.request('DELETE', `/api/v1/access/departments/${east.id}?reason=${encodeURIComponent('撤销大区')}`)).statusCode).toBe(204);
    expect((await historyOf(t.admin, 'department.delete')).items[0]).toMatchObject({ subjectLabel: '华东大区', reason: '撤销大区', after: null });

    // Roles and audit settings.
    const role = (await t.admin.post('/api/v1/access/roles', { name: '临时查看', permissions: ['contracts.view'], reason: '审计期间临时使用' })).json();
    expect((await t.admin.request('DELETE', `/api/v1/access/roles/${role.id}?reason=${encodeURIComponent('审计结束')}`)).statusCode).toBe(204);
    const roleRows = (await historyOf(t.admin, 'role.')).items.filter((h) => h.subjectLabel === '临时查看');
    expect(roleRows.map((h) => [h.kind, h.reason])).toEqual([['role.delete', '审计结束'], ['role.create', '审计期间临时使用']]);
    const settings = await t.admin.request('PUT', '/api/v1/access/audit-settings', { sodPairs: [['contracts.create', 'contracts.approve']], maxAdmins: 2, spikeThreshold: 20, reason: '收紧管理员人数' });
    expect(settings.statusCode).toBe(200);
    expect((await historyOf(t.admin, 'audit_settings')).items[0]).toMatchObject({ reason: '收紧管理员人数', before: { maxAdmins: 3 }, after: { maxAdmins: 2, spikeThreshold: 20 } });
  }, 120_000);

  it('an accepted invitation is recorded as the inviter’s grant, naming the invitee', async () => {
    const u = await addUser(env, t, 'qianjiu', ['archivist']);
    const row = (await historyOf(t.admin, 'user.invite.accept')).items.find((h) => h.subjectLabel === u.email)!;
    expect(row.actor).toBe(t.adminEmail);
    expect(row.after).toMatchObject({ invitee: u.email, roles: ['archivist'] });
  }, 60_000);

  it('invitations: default clearance fits a public tier; not accepted while restricted or past a lowered seat limit; a lowered tier lowers them', async () => {
    const p = await provisionTenant(env, 'pubtier');
    await setEntitlements(operator, p.tenantId, { modules: ['drafting'], seatLimit: 3, tier: 'public' });
    const inv = await p.admin.post('/api/v1/access/invitations', { email: 'xiao.hong@example.com', roleIds: [p.roleIds.viewer] });
    expect(inv.statusCode).toBe(201);
    const token = await invitationToken(env, 'xiao.hong@example.com');

    await setStatus(env, operator, p.tenantId, 'restricted');
    const anon = new Client(env.app, 'en');
    const restricted = await anon.post(`/api/v1/invitations/${token}`, { email: 'xiao.hong@example.com', name: '小红', password: PASSWORD });
    expect(restricted.statusCode).toBe(403);
    expect(restricted.json().code).toBe('tenant_read_only');
    await setStatus(env, operator, p.tenantId, 'active');
    const ok = await anon.post(`/api/v1/invitations/${token}`, { email: 'xiao.hong@example.com', name: '小红', password: PASSWORD });
    expect(ok.statusCode).toBe(201);
    const users = (await p.admin.get('/api/v1/access/users')).json().items as Array<{ email: string; clearance: string }>;
    expect(users.find((u) => u.email === 'xiao.hong@example.com')!.clearance).toBe('public');

    // Seat limit lowered after the invitation was sent: 2 users already hold the 2 seats.
    await p.admin.post('/api/v1/access/invitations', { email: 'xiao.ming@example.com', roleIds: [] });
    const token2 = await invitationToken(env, 'xiao.ming@example.com');
    await setEntitlements(operator, p.tenantId, { modules: ['drafting'], seatLimit: 2, tier: 'public' });
    const full = await anon.post(`/api/v1/invitations/${token2}`, { email: 'xiao.ming@example.com', name: '小明', password: PASSWORD });
    expect(full.statusCode).toBe(409);
    expect(full.json()).toMatchObject({ code: 'seat_limit_reached', detail: expect.stringContaining('2 seats') });

    // A tier lowered below an open invitation's clearance lowers the invitation too.
    await p.admin.request('DELETE', `/api/v1/access/invitations/${(await p.admin.get('/api/v1/access/invitations')).json().items.find((i: { email: string; status: string }) => i.email === 'xiao.ming@example.com').id}`);
    await setEntitlements(operator, p.tenantId, { modules: ['drafting'], seatLimit: 5, tier: 'confidential' });
    expect((await p.admin.post('/api/v1/access/invitations', { email: 'lao.zhang@example.com', roleIds: [], clearance: 'confidential' })).statusCode).toBe(201);
    const token3 = await invitationToken(env, 'lao.zhang@example.com');
    await setEntitlements(operator, p.tenantId, { modules: ['drafting'], seatLimit: 5, tier: 'internal' });
    expect((await historyOf(p.admin, 'user.invite.clearance')).items[0]).toMatchObject({ subjectLabel: 'lao.zhang@example.com', before: { clearance: 'confidential' }, after: { clearance: 'internal' } });
    expect((await anon.post(`/api/v1/invitations/${token3}`, { email: 'lao.zhang@example.com', name: '老张', password: PASSWORD })).statusCode).toBe(201);
    const after = (await p.admin.get('/api/v1/access/users')).json().items as Array<{ email: string; clearance: string }>;
    expect(after.find((u) => u.email === 'lao.zhang@example.com')!.clearance).toBe('internal');
  }, 120_000);

  it('a raised tier raises the tenant admins who held the old cap, nobody else; a duplicate pending request is refused', async () => {
    const r = await provisionTenant(env, 'tierup');
    const mgr = await addUser(env, r, 'wuyi', ['contract_manager'], { clearance: 'confidential' });
    const req = await r.admin.post('/api/v1/access/requests', { type: 'tier', tier: 'restricted', reason: '承接涉密项目，需要核心机密' });
    expect(req.statusCode).toBe(201);
    const dup = await r.admin.post('/api/v1/access/requests', { type: 'tier', tier: 'restricted', reason: '再次申请' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('request_duplicate');
    // A different request is not a duplicate.
    expect((await r.admin.post('/api/v1/access/requests', { type: 'seats', seats: 50, reason: '扩招' })).statusCode).toBe(201);
    expect((await r.admin.post('/api/v1/access/requests', { type: 'seats', seats: 60, reason: '扩招' })).json().code).toBe('request_duplicate');

    expect((await operator.post(`/api/v1/platform/access/requests/${r.tenantId}/${req.json().id}/approve`, { comment: '同意' })).statusCode).toBe(200);
    const me = (await r.admin.get('/api/v1/access/me')).json();
    expect(me).toMatchObject({ clearance: 'restricted', entitlements: { tier: 'restricted' } });
    const created = await r.admin.post('/api/v1/contracts', { title: '涉密项目合同', type: 'purchase', sensitivity: 'restricted', body: '第一条' });
    expect(created.statusCode).toBe(201);
    const users = (await r.admin.get('/api/v1/access/users')).json().items as Array<{ id: string; clearance: string }>;
    expect(users.find((u) => u.id === mgr.userId)!.clearance).toBe('confidential');
    expect((await historyOf(r.admin, 'user.clearance')).items[0]).toMatchObject({ actor: ADMIN.adminEmail, before: { clearance: 'confidential' }, after: { clearance: 'restricted' } });
    // Once decided, the same request can be made again.
    expect((await r.admin.post('/api/v1/access/requests', { type: 'module', module: 'analytics', reason: '报表' })).statusCode).toBe(201);
  }, 120_000);

  it('denials caused by a suspended tenant do not raise denial-spike alerts', async () => {
    const s = await provisionTenant(env, 'quiet');
    expect((await s.admin.request('PUT', '/api/v1/access/audit-settings', { sodPairs: [], maxAdmins: 3, spikeThreshold: 3 })).statusCode).toBe(200);
    const v = await addUser(env, s, 'zhengshi', ['viewer']);
    await setStatus(env, operator, s.tenantId, 'suspended');
    for (let i = 0; i < 5; i++) expect((await v.client.get('/api/v1/contracts')).json().code).toBe('tenant_suspended');
    await setStatus(env, operator, s.tenantId, 'active');
    expect((await s.admin.get('/api/v1/access/alerts')).json().items).toHaveLength(0);
    // Own denials still count (three refused writes), and the mail is bilingual.
    for (let i = 0; i < 3; i++) expect((await v.client.post('/api/v1/contracts', { title: '越权', type: 'other' })).statusCode).toBe(403);
    expect((await s.admin.get('/api/v1/access/alerts')).json().items).toHaveLength(1);
    const mail = (await outbox(env.dataDir)).find((m) => /被拒绝操作异常增多/.test(m.subject ?? '') && (m.text ?? '').includes(v.email))!;
    expect(mail.subject).toContain('Unusual number of denied actions');
    expect(mail.text).toContain('请在权限控制台查看');
    expect(mail.text).toContain('Review the denied attempts');
  }, 120_000);

  it('history: JSON says when it is cut; CSV exports every row', async () => {
    const h = await provisionTenant(env, 'bighist');
    await env.ctx.db.tenant(h.tenantId, (tx) =>
      tx.execute(
        `INSERT INTO permission_history (tenant_id, id, occurred_at, actor_kind, actor_label, kind, subject_type, subject_label, reason)
         SELECT $1, gen_random_uuid(), now() - (g || ' seconds')::interval, 'tenant_user', 'bulk@example.com', 'user.scope', 'user', 'user-' || g, '批量导入'
           FROM generate_series(1, 5100) g`,
        [h.tenantId],
      ),
    );
    const json = await historyOf(h.admin);
    expect(json.items).toHaveLength(5000);
    expect(json.truncated).toBe(true);
    const csv = await h.admin.get('/api/v1/access/history?format=csv&kind=user.scope');
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(5101);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[4])).size).toBe(5100);
    const small = await historyOf(h.admin, 'entitlements');
    expect(small.truncated).toBe(false);
  }, 120_000);
});
