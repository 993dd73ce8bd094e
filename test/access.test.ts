import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, adminClient, createTestEnv, type TestEnv } from './helpers.js';
import { PASSWORD, addUser, login, invitationToken, provisionTenant, setEntitlements, setStatus, type TenantFixture } from './accessHelpers.js';

/** A contract draft of a given sensitivity (the classified object of the data-level rules). */
const draft = (title: string, sensitivity: string) => ({ title, type: 'purchase', sensitivity, body: `${title}\n第一条 标的` });

describe('access: users, entitlements, data levels, requests, history', () => {
  let env: TestEnv;
  let operator: Client;
  let t: TenantFixture;

  beforeAll(async () => {
    env = await createTestEnv({ ...ADMIN, trustProxy: true });
    await env.services.security.bootstrapAdmin();
    operator = await adminClient(env);
    t = await provisionTenant(env, 'acme');
  }, 120_000);
  afterAll(async () => env?.close());

  it('invitation: only for the invited e-mail, single use, expires', async () => {
    const email = 'li.lei@example.com';
    expect((await t.admin.post('/api/v1/access/invitations', { email, roleIds: [t.roleIds.viewer] })).statusCode).toBe(201);
    const token = await invitationToken(env, email);
    const anon = new Client(env.app, 'en');
    const info = await anon.get(`/api/v1/invitations/${token}`);
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ email, tenantName: 'acme 有限公司' });

    const wrong = await anon.post(`/api/v1/invitations/${token}`, { email: 'someone.else@example.com', name: '李雷', password: PASSWORD });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().errors[0]).toMatchObject({ path: 'email', code: 'invitation_email_mismatch' });

    const ok = await anon.post(`/api/v1/invitations/${token}`, { email: 'LI.LEI@example.com', name: '李雷', password: PASSWORD });
    expect(ok.statusCode).toBe(201);
    const again = await anon.post(`/api/v1/invitations/${token}`, { email, name: '李雷', password: PASSWORD });
    expect(again.statusCode).toBe(410);
    expect(again.json().code).toBe('invitation_used');
    const c = new Client(env.app);
    await login(c, email, PASSWORD);
    expect(((await c.get('/api/v1/access/me')).json() as { roles: string[] }).roles).toEqual(['viewer']);

    // A token of this tenant with a made-up secret is unknown; an expired one says so.
    expect((await anon.get(`/api/v1/invitations/${t.tenantId}.${'x'.repeat(43)}`)).statusCode).toBe(404);
    const late = 'late.user@example.com';
    await t.admin.post('/api/v1/access/invitations', { email: late, roleIds: [] });
    const lateToken = await invitationToken(env, late);
    const realNow = env.ctx.now;
    env.ctx.now = () => new Date(Date.now() + 8 * 86400_000);
    try {
      const expired = await anon.post(`/api/v1/invitations/${lateToken}`, { email: late, name: 'Late', password: PASSWORD });
      expect(expired.statusCode).toBe(410);
      expect(expired.json()).toMatchObject({ code: 'invitation_expired', detail: expect.stringContaining('expired') });
    } finally {
      env.ctx.now = realNow;
    }
  }, 60_000);

  it('refuses an invitation beyond the seat limit with a message naming the limit', async () => {
    const t2 = await provisionTenant(env, 'seats');
    await setEntitlements(operator, t2.tenantId, { modules: ['drafting'], seatLimit: 2, tier: 'internal' });
    expect((await t2.admin.post('/api/v1/access/invitations', { email: 'seat1@example.com', roleIds: [] })).statusCode).toBe(201);
    const full = await t2.admin.post('/api/v1/access/invitations', { email: 'seat2@example.com', roleIds: [] }, { 'accept-language': 'en' });
    expect(full.statusCode).toBe(409);
    expect(full.json().code).toBe('seat_limit_reached');
    expect(full.json().detail).toContain('2 seats');
  }, 60_000);

  it('keeps the last active tenant admin: cannot be disabled or demoted', async () => {
    const dis = await t.admin.post(`/api/v1/access/users/${t.adminUserId}/disable`);
    expect(dis.statusCode).toBe(409);
    expect(dis.json().code).toBe('last_tenant_admin');
    // Demoting oneself is refused before the last-admin rule is reached: nobody edits their own roles.
    const demote = await t.admin.patch(`/api/v1/access/users/${t.adminUserId}`, { roleIds: [t.roleIds.viewer] });
    expect(demote.statusCode).toBe(403);
    expect(demote.json().code).toBe('own_roles_readonly');
    // With a second admin, the first can be demoted.
    const second = await addUser(env, t, 'admin2', ['tenant_admin']);
    expect((await t.admin.patch(`/api/v1/access/users/${second.userId}`, { roleIds: [t.roleIds.tenant_admin, t.roleIds.auditor] })).statusCode).toBe(200);
    const now = await second.client.post(`/api/v1/access/users/${t.adminUserId}/disable`);
    expect(now.statusCode).toBe(200);
    expect((await second.client.post(`/api/v1/access/users/${second.userId}/disable`)).json().code).toBe('last_tenant_admin');
    expect((await second.client.post(`/api/v1/access/users/${t.adminUserId}/enable`)).statusCode).toBe(200);
    await login(t.admin, t.adminEmail, PASSWORD);
  }, 60_000);

  it('a disabled user’s session stops on the next request, with a readable reason', async () => {
    const u = await addUser(env, t, 'leaver', ['viewer']);
    expect((await u.client.get('/api/v1/contracts')).statusCode).toBe(200);
    expect((await t.admin.post(`/api/v1/access/users/${u.userId}/disable`)).statusCode).toBe(200);
    const next = await u.client.get('/api/v1/contracts');
    expect(next.statusCode).toBe(401);
    expect(next.json().code).toBe('account_disabled');
    const users = (await t.admin.get('/api/v1/access/users')).json() as { items: Array<{ id: string; status: string; lastLoginAt: string | null }> };
    expect(users.items.find((x) => x.id === u.userId)).toMatchObject({ status: 'disabled', lastLoginAt: expect.any(String) });
  }, 60_000);

  it('module removal is effective on the next request and not re-granted to roles on re-add; the catalogue follows', async () => {
    const mgr = await addUser(env, t, 'drafter', ['contract_manager']);
    expect((await mgr.client.post('/api/v1/contracts', draft('采购合同', 'internal'))).statusCode).toBe(201);
    await setEntitlements(operator, t.tenantId, { modules: ['approval', 'signing', 'archiving'], seatLimit: 20, tier: 'confidential' });
    const refused = await mgr.client.post('/api/v1/contracts', draft('采购合同 2', 'internal'));
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('module_not_entitled');
    const catalog = (await t.admin.get('/api/v1/access/catalog')).json() as { items: Array<{ key: string }> };
    expect(catalog.items.map((c) => c.key)).not.toContain('contracts.create');
    const bad = await t.admin.post('/api/v1/access/roles', { name: '起草人', permissions: ['contracts.view', 'contracts.create'] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0]).toMatchObject({ path: 'permissions.1', code: 'permission_not_entitled' });

    await setEntitlements(operator, t.tenantId, { modules: ['drafting', 'approval', 'signing', 'archiving'], seatLimit: 20, tier: 'confidential' });
    // Not re-granted to contract_manager; the admin role holds exactly the entitlements again.
    expect((await mgr.client.post('/api/v1/contracts', draft('采购合同 3', 'internal'))).json().code).toBe('permission_denied');
    expect((await t.admin.post('/api/v1/contracts', draft('管理员合同', 'internal'))).statusCode).toBe(201);
    const roles = (await t.admin.get('/api/v1/access/roles')).json() as { items: Array<{ key: string; permissions: string[] }> };
    expect(roles.items.find((r) => r.key === 'contract_manager')!.permissions).not.toContain('contracts.create');
    expect(roles.items.find((r) => r.key === 'tenant_admin')!.permissions).toContain('contracts.create');
    const custom = await t.admin.post('/api/v1/access/roles', { name: '起草人', permissions: ['contracts.view', 'contracts.create'] });
    expect(custom.statusCode).toBe(201);
  }, 60_000);

  it('suspended and terminated tenants: sessions stop on the next request with a readable reason', async () => {
    const t3 = await provisionTenant(env, 'gone');
    await setStatus(env, operator, t3.tenantId, 'suspended');
    const s = await t3.admin.get('/api/v1/access/users', { 'accept-language': 'en' });
    expect(s.statusCode).toBe(403);
    expect(s.json()).toMatchObject({ code: 'tenant_suspended', detail: expect.stringContaining('suspended') });
    await setStatus(env, operator, t3.tenantId, 'terminated');
    const x = await t3.admin.get('/api/v1/access/users');
    expect(x.statusCode).toBe(401);
    expect(x.json().code).toBe('tenant_terminated');
  }, 60_000);

  it('data levels on contracts: lists, counts, search and direct id respect clearance, tier and scope', async () => {
    const t4 = await provisionTenant(env, 'levels');
    await setEntitlements(operator, t4.tenantId, { modules: ['drafting'], seatLimit: 20, tier: 'restricted' });
    const sales = (await t4.admin.post('/api/v1/access/departments', { name: '销售部' })).json() as { id: string };
    const east = (await t4.admin.post('/api/v1/access/departments', { name: '华东区', parentId: sales.id })).json() as { id: string };
    const legal = (await t4.admin.post('/api/v1/access/departments', { name: '法务部' })).json() as { id: string };
    const author = await addUser(env, t4, 'author', ['contract_manager'], { clearance: 'restricted', scope: 'tenant' });
    const docs: Record<string, string> = {}; // title → contract id
    for (const [title, level, dept] of [
      ['合同 公开', 'public', legal.id],
      ['合同 销售 内部', 'internal', sales.id],
      ['合同 华东 内部', 'internal', east.id],
      ['合同 华东 机密', 'confidential', east.id],
      ['合同 法务 核心', 'restricted', legal.id],
    ] as const) {
      const r = await author.client.post('/api/v1/contracts', { ...draft(title, level), departmentId: dept });
      expect(r.statusCode).toBe(201);
      docs[title] = r.json().id;
    }
    const seen = async (c: Client, q?: string) => {
      const r = (await c.get(`/api/v1/contracts?pageSize=100${q ? `&q=${encodeURIComponent(q)}` : ''}`)).json() as { total: number; items: Array<{ title: string }> };
      expect(r.total).toBe(r.items.length);
      return r.items.map((i) => i.title).sort();
    };
    const salesDept = await addUser(env, t4, 'sales', ['viewer'], { clearance: 'internal', scope: 'department', departmentId: sales.id });
    const salesTree = await addUser(env, t4, 'salestree', ['viewer'], { clearance: 'confidential', scope: 'department_and_below', departmentId: sales.id });
    const own = await addUser(env, t4, 'own', ['viewer'], { clearance: 'restricted', scope: 'own', departmentId: legal.id });

    // The scope applies at every level: the public contract (法务部) is outside the sales scopes and not own.
    expect(await seen(salesDept.client)).toEqual(['合同 销售 内部']);
    expect(await seen(salesTree.client)).toEqual(['合同 华东 内部', '合同 华东 机密', '合同 销售 内部']);
    expect(await seen(own.client)).toEqual([]);
    expect(await seen(author.client)).toHaveLength(5);
    // Export (CSV, data.export) goes through the same data scope: hidden contracts are absent, counts match.
    const exporter = await addUser(env, t4, 'exporter', ['tenant_admin'], { clearance: 'internal', scope: 'department_and_below', departmentId: sales.id });
    const exported = async (c: Client, q = '') => {
      const r = await c.get(`/api/v1/contracts/export?format=csv${q}`);
      expect(r.statusCode, r.body).toBe(200);
      const [header, ...rows] = r.body.replace(/^\uFEFF/, '').trim().split('\r\n');
      const col = header!.split(',').indexOf('标题');
      return rows.map((line) => line.split(',')[col]!).sort();
    };
    expect(await exported(exporter.client)).toEqual(['合同 华东 内部', '合同 销售 内部']);
    expect(await exported(exporter.client, `&q=${encodeURIComponent('机密')}`)).toEqual([]);
    expect(await exported(t4.admin)).toHaveLength((await seen(t4.admin)).length);
    expect((await salesDept.client.get('/api/v1/contracts/export')).statusCode).toBe(403); // viewers hold no data.export
    // search (ILIKE) and count
    expect(await seen(salesDept.client, '华东')).toEqual([]);
    expect(await seen(salesTree.client, '华东')).toEqual(['合同 华东 内部', '合同 华东 机密']);
    // direct id: 404, not 403, when not visible
    const hidden = await salesDept.client.get(`/api/v1/contracts/${docs['合同 华东 机密']}`);
    expect(hidden.statusCode).toBe(404);
    expect((await salesTree.client.get(`/api/v1/contracts/${docs['合同 华东 机密']}`)).statusCode).toBe(200);

    // Lowering the tier caps everybody at once (and clamps stored clearances).
    await setEntitlements(operator, t4.tenantId, { modules: ['drafting'], seatLimit: 20, tier: 'internal' });
    expect(await seen(author.client)).toEqual(['合同 公开', '合同 华东 内部', '合同 销售 内部']);
    expect((await salesTree.client.get(`/api/v1/contracts/${docs['合同 华东 机密']}`)).statusCode).toBe(404);
    // Creating above one's clearance is refused and recorded as a level denial.
    const above = await author.client.post('/api/v1/contracts', draft('新 机密', 'confidential'));
    expect(above.statusCode).toBe(422);
    expect(above.json().errors[0]).toMatchObject({ path: 'sensitivity', code: 'level_above_clearance' });
    const denials = (await t4.admin.get('/api/v1/access/denials')).json() as { items: Array<{ level: string | null; reason: string }> };
    expect(denials.items.some((d) => d.level === 'confidential' && d.reason === 'level_above_clearance')).toBe(true);

    // Without the per-request settings, the table shows nothing (fail closed).
    const raw = await env.ctx.db.tenant(t4.tenantId, (tx) => tx.query(`SELECT id FROM contracts`));
    expect(raw).toEqual([]);
  }, 120_000);

  it('permission requests: tenant asks, operator approves (now or from a date) or rejects; history lists and exports CSV', async () => {
    const t5 = await provisionTenant(env, 'reqs');
    const mk = async (body: object) => {
      const r = await t5.admin.post('/api/v1/access/requests', body);
      expect(r.statusCode, r.body).toBe(201);
      return r.json().id as string;
    };
    const seatsReq = await mk({ type: 'seats', seats: 30, reason: '业务扩张' });
    const modReq = await mk({ type: 'module', module: 'analytics', reason: '需要报表' });
    const tierReq = await mk({ type: 'tier', tier: 'restricted', reason: '核心机密合同' });
    const queue = (await operator.get('/api/v1/platform/access/requests?status=pending')).json() as { items: Array<{ id: string }> };
    expect(queue.items.map((i) => i.id)).toEqual(expect.arrayContaining([seatsReq, modReq, tierReq]));

    expect((await operator.post(`/api/v1/platform/access/requests/${t5.tenantId}/${seatsReq}/approve`, { comment: '同意' })).json().status).toBe('applied');
    const future = new Date(Date.now() + 3 * 86400_000);
    expect((await operator.post(`/api/v1/platform/access/requests/${t5.tenantId}/${modReq}/approve`, { comment: '下周生效', effectiveFrom: future.toISOString() })).json().status).toBe('approved');
    const rej = await operator.post(`/api/v1/platform/access/requests/${t5.tenantId}/${tierReq}/reject`, { comment: '套餐不支持' });
    expect(rej.json().status).toBe('rejected');
    expect((await operator.post(`/api/v1/platform/access/requests/${t5.tenantId}/${tierReq}/approve`, {})).statusCode).toBe(409);

    let me = (await t5.admin.get('/api/v1/access/me')).json() as { entitlements: { seatLimit: number; modules: string[]; tier: string }; permissions: string[] };
    expect(me.entitlements.seatLimit).toBe(30);
    expect(me.entitlements.modules).not.toContain('analytics');
    expect(me.entitlements.tier).toBe('confidential');
    const realNow = env.ctx.now;
    env.ctx.now = () => new Date(future.getTime() + 60_000);
    try {
      expect(await env.services.access.applyDueRequests()).toBe(1);
    } finally {
      env.ctx.now = realNow;
    }
    me = (await t5.admin.get('/api/v1/access/me')).json();
    expect(me.entitlements.modules).toContain('analytics');
    expect(me.permissions).toContain('analytics.view');

    const hist = (await t5.admin.get('/api/v1/access/history')).json() as { items: Array<{ kind: string; requestId: string | null; tenantId: string }> };
    expect(hist.items.every((h) => h.tenantId === t5.tenantId)).toBe(true);
    expect(hist.items.filter((h) => h.kind === 'entitlements.update').map((h) => h.requestId)).toEqual(expect.arrayContaining([seatsReq, modReq]));
    expect(hist.items.some((h) => h.kind === 'request.reject' && h.requestId === tierReq)).toBe(true);

    const csv = await t5.admin.get('/api/v1/access/history?format=csv&kind=request');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('time,actor,kind,subject_type,subject,before,after,reason,request_id');
    expect(lines.length).toBe(1 + 3 + 3); // 3 created + 2 decided (approve ×2, reject) = 6 rows
    expect(lines.slice(1).every((l) => /,request\.(create|approve|reject),/.test(l))).toBe(true);
    expect(csv.body).toContain('套餐不支持');

    // The operator sees every tenant's history and can filter by tenant.
    const all = (await operator.get('/api/v1/platform/access/history')).json() as { items: Array<{ tenantId: string }> };
    expect(new Set(all.items.map((h) => h.tenantId)).size).toBeGreaterThan(1);
    const one = await operator.get(`/api/v1/platform/access/history?tenantId=${t5.tenantId}&format=csv`);
    expect(one.body.split('\r\n')[1]).toContain('reqs 有限公司');
    // Tenants cannot reach the operator endpoints.
    expect((await t5.admin.get('/api/v1/platform/access/history')).statusCode).toBe(403);
    // History is append-only.
    await expect(env.ctx.db.tenant(t5.tenantId, (tx) => tx.execute(`UPDATE permission_history SET reason = 'x'`))).rejects.toThrow(/permission denied/);
  }, 120_000);
});

describe('invitations do not reveal accounts of other tenants', () => {
  it('accepts an invitation to an address that has an account elsewhere; only its owner learns why it cannot be used', async () => {
    const env = await createTestEnv({ ...ADMIN, trustProxy: true });
    try {
      await env.services.security.bootstrapAdmin();
      const a = await provisionTenant(env, '甲方');
      const b = await provisionTenant(env, '乙方');
      // Another tenant's admin, the platform admin and a new address all look the same to the inviter.
      for (const email of [b.adminEmail, ADMIN.adminEmail, 'new-person@jia.example.cn']) {
        const res = await a.admin.post('/api/v1/access/invitations', { email, roleIds: [a.roleIds.viewer] });
        expect(res.statusCode, res.body).toBe(201);
      }
      const token = await invitationToken(env, b.adminEmail);
      const accept = await new Client(env.app).post(`/api/v1/invitations/${token}`, { email: b.adminEmail, name: '乙', password: 'Another-Strong-Passphrase-7' });
      expect(accept.statusCode).toBe(409);
      expect(accept.json().code).toBe('invitation_email_has_account');
      // The tenant's own users are still reported at once.
      const own = await a.admin.post('/api/v1/access/invitations', { email: a.adminEmail, roleIds: [a.roleIds.viewer] });
      expect(own.statusCode).toBe(422);
      expect(own.json().errors[0]).toMatchObject({ path: 'email', code: 'email_taken' });
    } finally {
      await env.close();
    }
  });
});
