import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, adminClient, createTestEnv, type TestEnv } from '../helpers.js';
import { PASSWORD, addUser, provisionTenant, setStatus, type TenantFixture } from '../accessHelpers.js';
import { emailKey } from '../../src/platform/validation.js';

/**
 * Sensitive actions need a fresh sign-in or re-authentication (issue 5): roles, clearance/scope, entitlements,
 * permission-request approval and export downloads are refused with 403 reauth_required when the last proof of
 * identity is older than 10 minutes, change nothing then, and pass after POST /auth/reauth — which issues a new
 * session id. Reads of contracts, registrations and exports are audited.
 */
describe('fresh re-authentication for sensitive actions', () => {
  let env: TestEnv;
  let operator: Client;
  let t: TenantFixture;

  /** Every session last proved its user 11 minutes ago. */
  const stale = () => env.ctx.db.platform((tx) => tx.execute(`UPDATE sessions SET reauth_at = now() - interval '11 minutes' WHERE revoked_at IS NULL`));
  const reauth = async (c: Client, password = PASSWORD) => {
    const r = await c.post('/api/v1/auth/reauth', { password });
    expect(r.statusCode, r.body).toBe(200);
    return r;
  };
  const refused = (r: { statusCode: number; json: () => unknown }) => {
    expect(r.statusCode).toBe(403);
    expect((r.json() as { code: string }).code).toBe('reauth_required');
  };
  const auditCount = async (tenantId: string | null, action: string) =>
    env.ctx.db.platform(async (tx) =>
      (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = coalesce($1::uuid, '00000000-0000-0000-0000-000000000000') AND action = $2`, [tenantId, action])).n,
    );

  beforeAll(async () => {
    env = await createTestEnv({ ...ADMIN, trustProxy: true });
    await env.services.security.bootstrapAdmin();
    operator = await adminClient(env);
    t = await provisionTenant(env, '华东贸易');
  }, 120_000);
  afterAll(async () => env?.close());

  it('roles: create, update and delete a role need a fresh re-authentication', async () => {
    await stale();
    const body = { name: '合同审计专员', permissions: ['audit.view', 'contracts.view'], reason: '季度审计' };
    refused(await t.admin.post('/api/v1/access/roles', body));
    const roles = (await t.admin.get('/api/v1/access/roles')).json() as { items: Array<{ name: string }> };
    expect(roles.items.some((r) => r.name === '合同审计专员')).toBe(false);

    await reauth(t.admin);
    const created = await t.admin.post('/api/v1/access/roles', body);
    expect(created.statusCode, created.body).toBe(201);
    const id = (created.json() as { id: string }).id;

    await stale();
    refused(await t.admin.request('PUT', `/api/v1/access/roles/${id}`, { ...body, permissions: ['audit.view'] }));
    refused(await t.admin.request('DELETE', `/api/v1/access/roles/${id}`));
    await reauth(t.admin);
    expect((await t.admin.request('PUT', `/api/v1/access/roles/${id}`, { ...body, permissions: ['audit.view'] })).statusCode).toBe(200);
    expect((await t.admin.request('DELETE', `/api/v1/access/roles/${id}`)).statusCode).toBe(204);
  });

  it('user role, clearance and scope assignment and invitations with roles need it; a name change does not', async () => {
    const u = await addUser(env, t, 'zhangwei', ['viewer']);
    await stale();
    refused(await t.admin.patch(`/api/v1/access/users/${u.userId}`, { roleIds: [t.roleIds.contract_manager] }));
    refused(await t.admin.patch(`/api/v1/access/users/${u.userId}`, { clearance: 'confidential' }));
    refused(await t.admin.patch(`/api/v1/access/users/${u.userId}`, { scope: 'tenant' }));
    refused(await t.admin.post('/api/v1/access/invitations', { email: 'li.na@huadong.example.com', roleIds: [t.roleIds.approver] }));
    const users = (await t.admin.get('/api/v1/access/users')).json() as { items: Array<{ id: string; roles: string[]; clearance: string }> };
    expect(users.items.find((x) => x.id === u.userId)!.roles).toEqual(['viewer']);
    // Not a grant: allowed on an old sign-in.
    expect((await t.admin.patch(`/api/v1/access/users/${u.userId}`, { name: '张伟' })).statusCode).toBe(200);

    await reauth(t.admin);
    const ok = await t.admin.patch(`/api/v1/access/users/${u.userId}`, { roleIds: [t.roleIds.contract_manager], reason: '岗位调整' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await t.admin.post('/api/v1/access/invitations', { email: 'li.na@huadong.example.com', roleIds: [t.roleIds.approver] })).statusCode).toBe(201);
  });

  it('export downloads: directory export, permission-history CSV and audit-log CSV (tenant and platform), each audited', async () => {
    await stale();
    refused(await t.admin.get('/api/v1/access/export'));
    refused(await t.admin.get('/api/v1/access/history?format=csv'));
    refused(await t.admin.get('/api/v1/audit-events?format=csv'));
    refused(await operator.get(`/api/v1/platform/audit-events?format=csv&tenantId=${t.tenantId}`));
    refused(await operator.get('/api/v1/platform/access/history?format=csv'));
    // Viewing on screen is not an export.
    expect((await t.admin.get('/api/v1/access/history')).statusCode).toBe(200);
    expect((await t.admin.get('/api/v1/audit-events')).statusCode).toBe(200);
    expect(await auditCount(t.tenantId, 'access.export')).toBe(0);

    await reauth(t.admin);
    const exp = await t.admin.get('/api/v1/access/export');
    expect(exp.statusCode).toBe(200);
    expect((exp.json() as { users: Array<{ email: string }> }).users.some((u) => u.email === t.adminEmail)).toBe(true);
    expect(await auditCount(t.tenantId, 'access.export')).toBe(1);
    const hist = await t.admin.get('/api/v1/access/history?format=csv&kind=role');
    expect(hist.statusCode).toBe(200);
    expect(hist.headers['content-type']).toContain('text/csv');
    expect(await auditCount(t.tenantId, 'access.history.export')).toBe(1);
    expect((await t.admin.get('/api/v1/audit-events?format=csv')).statusCode).toBe(200);
    expect(await auditCount(t.tenantId, 'audit.export')).toBe(1);

    await reauth(operator, ADMIN.adminPassword);
    expect((await operator.get(`/api/v1/platform/audit-events?format=csv&tenantId=${t.tenantId}`)).statusCode).toBe(200);
    expect((await operator.get('/api/v1/platform/access/history?format=csv')).statusCode).toBe(200);
    expect(await auditCount(null, 'access.history.export')).toBe(1);
  });

  it('operator: entitlements, approving a permission request and creating operators need it', async () => {
    const req = await t.admin.post('/api/v1/access/requests', { type: 'seats', seats: 40, reason: '新增分公司' });
    expect(req.statusCode, req.body).toBe(201);
    const reqId = (req.json() as { id: string }).id;
    await stale();
    refused(await operator.request('PUT', `/api/v1/platform/tenants/${t.tenantId}/entitlements`, { modules: ['drafting'], seatLimit: 20, tier: 'internal', reason: '降级' }));
    refused(await operator.post(`/api/v1/platform/access/requests/${t.tenantId}/${reqId}/approve`, { comment: '同意' }));
    refused(await operator.post('/api/v1/platform/users', { email: 'sec.officer@pactum.test', name: '安全官', roles: ['security_officer'] }));
    const access = (await operator.get(`/api/v1/platform/tenants/${t.tenantId}/access`)).json() as { entitlements: { seatLimit: number } };
    expect(access.entitlements.seatLimit).not.toBe(40);

    await reauth(operator, ADMIN.adminPassword);
    const approved = await operator.post(`/api/v1/platform/access/requests/${t.tenantId}/${reqId}/approve`, { comment: '同意' });
    expect(approved.statusCode, approved.body).toBe(200);
    expect((await operator.post('/api/v1/platform/users', { email: 'sec.officer@pactum.test', name: '安全官', roles: ['security_officer'] })).statusCode).toBe(201);
  });

  it('re-authentication issues a new session id: new cookies and CSRF token, the old cookie stops working', async () => {
    const u = await addUser(env, t, 'wangfang', ['viewer']);
    const before = { ...u.client.cookies };
    const sessionsBefore = (await u.client.get('/api/v1/security/sessions')).json() as { items: Array<{ id: string; current: boolean }> };
    const oldId = sessionsBefore.items.find((s) => s.current)!.id;

    const r = await reauth(u.client);
    expect(u.client.cookies.pactum_session).toBeTruthy();
    expect(u.client.cookies.pactum_session).not.toBe(before.pactum_session);
    expect(u.client.cookies.csrf_token).not.toBe(before.csrf_token);
    expect((r.json() as { csrfToken: string }).csrfToken).toBe(u.client.cookies.csrf_token);

    const old = new Client(env.app);
    old.cookies = before;
    expect((await old.get('/api/v1/me')).statusCode).toBe(401);
    expect((await u.client.get('/api/v1/me')).statusCode).toBe(200);
    const after = (await u.client.get('/api/v1/security/sessions')).json() as { items: Array<{ id: string; current: boolean }> };
    const current = after.items.find((s) => s.current)!;
    expect(current.id).not.toBe(oldId);
    expect(after.items.some((s) => s.id === oldId)).toBe(false);
    const ev = await env.ctx.db.platform((tx) =>
      tx.one<{ details: { previousSession: string } }>(`SELECT details FROM audit_events WHERE tenant_id = $1 AND action = 'auth.reauth' AND object_id = $2`, [t.tenantId, current.id]),
    );
    expect(ev.details.previousSession).toBe(oldId);
  });

  it('re-authentication respects the account lock', async () => {
    const u = await addUser(env, t, 'liuyang', ['viewer']);
    await env.ctx.db.platform((tx) =>
      tx.execute(
        `INSERT INTO login_throttle (key, locked_until) VALUES ($1, now() + interval '15 minutes')
         ON CONFLICT (key) DO UPDATE SET locked_until = EXCLUDED.locked_until`,
        [`acct:${emailKey(u.email)}`],
      ),
    );
    const r = await u.client.post('/api/v1/auth/reauth', { password: PASSWORD });
    expect(r.statusCode).toBe(423);
    expect(r.json().code).toBe('account_locked');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    await env.ctx.db.platform((tx) => tx.execute(`UPDATE login_throttle SET locked_until = NULL WHERE key = $1`, [`acct:${emailKey(u.email)}`]));
    await reauth(u.client);
  });

  it('a suspended tenant can still re-authenticate and export its data', async () => {
    await setStatus(env, operator, t.tenantId, 'suspended');
    try {
      await stale();
      refused(await t.admin.get('/api/v1/access/export'));
      await reauth(t.admin);
      expect((await t.admin.get('/api/v1/access/export')).statusCode).toBe(200);
      expect((await t.admin.post('/api/v1/access/roles', { name: '停用期间', permissions: [] })).json().code).toBe('tenant_suspended');
    } finally {
      await setStatus(env, operator, t.tenantId, 'active');
    }
  });

  it('SMS can re-authenticate: a code bound to the session, sent only to the verified number', async () => {
    const u = await addUser(env, t, 'chenjing', ['viewer']);
    const smsDir = path.join(env.dataDir, 'outbox', 'sms');
    const lastSms = () => {
      const f = fs.readdirSync(smsDir).sort().at(-1)!;
      const text = fs.readFileSync(path.join(smsDir, f), 'utf8');
      return { text, code: /(\d{6})/.exec(text.split('\n\n')[1]!)![1]! };
    };
    // No verified number yet.
    expect((await u.client.post('/api/v1/auth/reauth/sms')).json().code).toBe('phone_not_verified');
    const begin = await u.client.post('/api/v1/security/mfa/sms', { phone: '+8613900001111' });
    expect(begin.statusCode, begin.body).toBe(200);
    const { challengeId } = begin.json() as { challengeId: string };
    expect((await u.client.post('/api/v1/security/mfa/sms/confirm', { challengeId, code: lastSms().code })).statusCode).toBe(200);

    const sent = await u.client.post('/api/v1/auth/reauth/sms');
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json()).toMatchObject({ sentTo: '861****1111' });
    const sms = lastSms();
    expect(sms.text).toContain('To: +8613900001111');
    const wrong = sms.code === '000000' ? '111111' : '000000';
    expect((await u.client.post('/api/v1/auth/reauth', { method: 'sms', code: wrong })).statusCode).toBe(401);
    const oldCookie = u.client.cookies.pactum_session;
    const ok = await u.client.post('/api/v1/auth/reauth', { method: 'sms', code: sms.code });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(u.client.cookies.pactum_session).not.toBe(oldCookie);
    // The code was spent with that re-authentication.
    expect((await u.client.post('/api/v1/auth/reauth', { method: 'sms', code: sms.code })).statusCode).toBe(401);
  });
});

describe('audited reads (contracts, registrations, review queue)', () => {
  let env: TestEnv;
  let operator: Client;
  let t: TenantFixture;
  const events = (tenantId: string | null, action: string) =>
    env.ctx.db.platform((tx) =>
      tx.query<{ actor_kind: string; actor_id: string | null; object_id: string | null; details: Record<string, unknown> }>(
        `SELECT actor_kind, actor_id, object_id, details FROM audit_events WHERE tenant_id = coalesce($1::uuid, '00000000-0000-0000-0000-000000000000') AND action = $2 ORDER BY seq`,
        [tenantId, action],
      ),
    );

  beforeAll(async () => {
    env = await createTestEnv({ ...ADMIN, trustProxy: true });
    await env.services.security.bootstrapAdmin();
    operator = await adminClient(env);
    t = await provisionTenant(env, '西南物流');
  }, 120_000);
  afterAll(async () => env?.close());

  it('contract list and search: one event per call with the filter and the ids shown; versions and audit trail views too', async () => {
    const ids: string[] = [];
    for (const title of ['仓储服务合同', '运输服务合同', '办公设备采购合同']) {
      const r = await t.admin.post('/api/v1/contracts', { title, type: 'purchase', sensitivity: 'internal', body: `${title}\n第一条 标的\n第二条 违约责任` });
      expect(r.statusCode, r.body).toBe(201);
      ids.push((r.json() as { id: string }).id);
    }
    const list = await t.admin.get('/api/v1/contracts?pageSize=2');
    expect(list.statusCode).toBe(200);
    let ev = await events(t.tenantId, 'contract.list');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.actor_id).toBe(t.adminUserId);
    expect(ev[0]!.details).toMatchObject({ total: 3, filter: { pageSize: 2 } });
    expect((ev[0]!.details.ids as string[]).sort()).toEqual((list.json() as { items: Array<{ id: string }> }).items.map((c) => c.id).sort());

    const search = await t.admin.get(`/api/v1/contracts?q=${encodeURIComponent('运输')}`);
    expect((search.json() as { total: number }).total).toBe(1);
    ev = await events(t.tenantId, 'contract.search');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.details).toMatchObject({ filter: { q: '运输' }, total: 1, ids: [ids[1]] });

    expect((await t.admin.get(`/api/v1/contracts/${ids[0]}/versions`)).statusCode).toBe(200);
    expect((await events(t.tenantId, 'contract.versions')).map((e) => e.object_id)).toEqual([ids[0]]);
    expect((await t.admin.get(`/api/v1/contracts/${ids[0]}/audit`)).statusCode).toBe(200);
    expect((await events(t.tenantId, 'contract.audit_trail')).map((e) => e.object_id)).toEqual([ids[0]]);
  });

  it('an applicant reading their registration and a reviewer reading the queue are audited', async () => {
    const draft = await new Client(env.app).post('/api/v1/registrations', { companyName: '华为技术有限公司', uscc: '914403001922038216', registeredAddress: '深圳市龙岗区坂田华为基地' });
    expect(draft.statusCode, draft.body).toBe(201);
    const { id, resumeToken } = draft.json() as { id: string; resumeToken: string };
    expect((await new Client(env.app).get(`/api/v1/registrations/${id}`, { 'x-resume-token': resumeToken })).statusCode).toBe(200);
    const views = await events(null, 'registration.view');
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ actor_kind: 'applicant', object_id: id });

    const queue = await operator.get('/api/v1/platform/registrations?status=all');
    expect(queue.statusCode).toBe(200);
    const q = await events(null, 'registration.queue');
    expect(q).toHaveLength(1);
    expect(q[0]!.actor_kind).toBe('platform_user');
    expect(q[0]!.details).toMatchObject({ filter: { status: null } });
    // A draft (never submitted) is not shown to reviewers, so it is not among the ids shown.
    expect(q[0]!.details.ids).not.toContain(id);
    expect(q[0]!.details).toHaveProperty('total');
  });
});
