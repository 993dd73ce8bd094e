import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, adminClient, createTestEnv, type TestEnv } from './helpers.js';
import { DEFAULT_POLICY, savePolicy } from '../src/modules/security/policy.js';
import { addUser, provisionTenant, setEntitlements, setStatus, type TenantFixture } from './accessHelpers.js';

const MODULES = ['drafting', 'approval', 'signing', 'archiving', 'api_access'];
const draft = (title: string, sensitivity = 'internal') => ({ title, type: 'purchase', sensitivity, body: `${title}\n第一条 标的\n第二条 违约责任` });

interface KeyView {
  id: string;
  name: string;
  roleKey: string | null;
  prefix: string;
  status: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  revokeReason: string | null;
}

describe('access: API keys for integrations', () => {
  let env: TestEnv;
  let operator: Client;
  let A: TenantFixture;
  let B: TenantFixture;

  /** A call made with an API key only (no cookie, no CSRF header), from a given address. */
  const call = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, body?: object, ip = '203.0.113.10', extra: Record<string, string> = {}) =>
    env.app.inject({ method, url, payload: body, remoteAddress: ip, headers: { authorization: `Bearer ${token}`, 'accept-language': 'en', ...extra } });

  const createKey = async (c: Client, body: Record<string, unknown>) => {
    const r = await c.post('/api/v1/access/api-keys', body);
    if (r.statusCode !== 201) throw new Error(`create key failed ${r.statusCode} ${r.body}`);
    return r.json() as { key: KeyView; token: string };
  };
  const listKeys = async (c: Client) => ((await c.get('/api/v1/access/api-keys')).json() as { items: KeyView[] }).items;
  const auditRows = (tenantId: string, action: string) =>
    env.ctx.db.tenant(tenantId, (tx) =>
      tx.query<{ actor_kind: string; actor_id: string; actor_label: string; on_behalf_of: string | null; object_id: string | null; ip: string | null; outcome: string; details: Record<string, unknown> }>(
        `SELECT actor_kind, actor_id, actor_label, on_behalf_of, object_id, ip, outcome, details FROM audit_events WHERE tenant_id = $1 AND action = $2 ORDER BY seq`,
        [tenantId, action],
      ),
    );

  beforeAll(async () => {
    env = await createTestEnv({ ...ADMIN, trustProxy: true });
    await env.services.security.bootstrapAdmin();
    operator = await adminClient(env);
    A = await provisionTenant(env, '华东贸易');
    B = await provisionTenant(env, '西南建材');
    for (const t of [A, B]) await setEntitlements(operator, t.tenantId, { modules: MODULES, seatLimit: 10, tier: 'confidential' });
    expect((await A.admin.post('/api/v1/contracts', draft('华东贸易钢材采购合同'))).statusCode).toBe(201);
    expect((await B.admin.post('/api/v1/contracts', draft('西南建材水泥供货合同'))).statusCode).toBe(201);
  }, 180_000);
  afterAll(async () => env?.close());

  it('shows the token once and stores only its hash', async () => {
    const res = await A.admin.post('/api/v1/access/api-keys', { name: '金蝶 ERP 同步', roleId: A.roleIds.viewer, reason: '财务每晚同步合同台账' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { key, token } = res.json() as { key: KeyView; token: string };
    expect(token).toMatch(new RegExp(`^pk_${A.tenantId.replace(/-/g, '')}_[A-Za-z0-9_-]{43}$`));
    const secret = token.split('_').slice(2).join('_');
    expect(key).toMatchObject({ name: '金蝶 ERP 同步', roleKey: 'viewer', status: 'active', prefix: `pk_…_${secret.slice(0, 8)}…`, lastUsedAt: null });

    // The list never carries the token again.
    const listed = await A.admin.get('/api/v1/access/api-keys');
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(secret);
    expect((listed.json() as { items: KeyView[] }).items.map((k) => k.name)).toContain('金蝶 ERP 同步');

    // In the table: the SHA-256 of the secret and an 8-character prefix, nothing else of it.
    const row = await env.ctx.db.tenant(A.tenantId, (tx) => tx.one<Record<string, unknown>>(`SELECT * FROM api_keys WHERE tenant_id = $1 AND id = $2`, [A.tenantId, key.id]));
    expect(Buffer.from(row.secret_hash as Buffer).equals(crypto.createHash('sha256').update(secret).digest())).toBe(true);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row.prefix).toBe(secret.slice(0, 8));

    // Creation is audited and in the permission history.
    expect((await auditRows(A.tenantId, 'api_key.create')).find((e) => e.object_id === key.id)).toMatchObject({ actor_kind: 'tenant_user', actor_id: A.adminUserId });
    const history = (await A.admin.get('/api/v1/access/history?kind=api_key.create')).json() as { items: Array<{ subjectLabel: string; after: { role: string }; reason: string }> };
    expect(history.items[0]).toMatchObject({ subjectLabel: '金蝶 ERP 同步', after: { role: 'viewer' }, reason: '财务每晚同步合同台账' });

    // A second live key with the same name is refused; bad input saves nothing.
    const dup = await A.admin.post('/api/v1/access/api-keys', { name: '金蝶 ERP 同步', roleId: A.roleIds.viewer });
    expect(dup.statusCode).toBe(422);
    expect(dup.json().errors[0]).toMatchObject({ path: 'name', code: 'api_key_name_taken' });
    const past = await A.admin.post('/api/v1/access/api-keys', { name: '过期测试', roleId: A.roleIds.viewer, expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.json().errors[0]).toMatchObject({ path: 'expiresAt', code: 'api_key_expiry_past' });
    expect((await listKeys(A.admin)).map((k) => k.name)).not.toContain('过期测试');
  });

  it('a viewer key reads contracts but cannot create; an admin key can; every call is audited as the key', async () => {
    const viewer = await createKey(A.admin, { name: '报表系统（只读）', roleId: A.roleIds.viewer });
    const list = await call(viewer.token, 'GET', '/api/v1/contracts');
    expect(list.statusCode).toBe(200);
    expect(JSON.stringify(list.json())).toContain('华东贸易钢材采购合同');
    const denied = await call(viewer.token, 'POST', '/api/v1/contracts', draft('只读密钥不能起草'));
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'permission_denied', detail: expect.stringContaining('contracts.create') });
    const denial = (await auditRows(A.tenantId, 'access.denied')).at(-1)!;
    expect(denial).toMatchObject({ actor_kind: 'api_key', actor_id: viewer.key.id, actor_label: '报表系统（只读）', on_behalf_of: A.adminUserId, outcome: 'denied', ip: '203.0.113.10' });
    const denialRow = await env.ctx.db.tenant(A.tenantId, (tx) =>
      tx.one<{ user_id: string; api_key_id: string; permission: string }>(`SELECT user_id, api_key_id, permission FROM denials WHERE tenant_id = $1 ORDER BY occurred_at DESC LIMIT 1`, [A.tenantId]),
    );
    expect(denialRow).toEqual({ user_id: A.adminUserId, api_key_id: viewer.key.id, permission: 'contracts.create' });

    const admin = await createKey(A.admin, { name: 'OA 集成', roleId: A.roleIds.tenant_admin });
    const created = await call(admin.token, 'POST', '/api/v1/contracts', draft('OA 推送的设备租赁合同'));
    expect(created.statusCode).toBe(201);
    const contractId = (created.json() as { id: string }).id;
    const ev = (await auditRows(A.tenantId, 'contract.create')).find((e) => e.object_id === contractId)!;
    expect(ev).toMatchObject({ actor_kind: 'api_key', actor_id: admin.key.id, actor_label: 'OA 集成', on_behalf_of: A.adminUserId });
    const read = await call(admin.token, 'GET', `/api/v1/contracts/${contractId}`);
    expect(read.statusCode).toBe(200);
    expect((await auditRows(A.tenantId, 'contract.view')).filter((e) => e.object_id === contractId).every((e) => e.actor_kind === 'api_key')).toBe(true);

    // A bearer header wins over a session cookie: the admin's cookie does not lend the viewer key more rights,
    // and no CSRF token is needed for a key.
    const cookie = Object.entries(A.admin.cookies).map(([k, v]) => `${k}=${v}`).join('; ');
    const mixed = await call(viewer.token, 'POST', '/api/v1/contracts', draft('混合凭据'), '203.0.113.10', { cookie });
    expect(mixed.statusCode).toBe(403);
    expect(mixed.json().code).toBe('permission_denied');

    // Keys are for the business API: not for account security, nor for minting more keys.
    expect((await call(admin.token, 'GET', '/api/v1/security/mfa')).json().code).toBe('api_key_route_not_allowed');
    expect((await call(admin.token, 'POST', '/api/v1/access/api-keys', { name: '套娃', roleId: A.roleIds.viewer })).json().code).toBe('api_key_route_not_allowed');
    expect((await call(admin.token, 'POST', `/api/v1/contracts/${contractId}/approve`, {})).statusCode).toBe(403);
    // Its effective permissions are the role's.
    const me = (await call(viewer.token, 'GET', '/api/v1/access/me')).json() as { permissions: string[]; roles: string[]; apiKey: { id: string } };
    expect(me).toMatchObject({ roles: ['viewer'], apiKey: { id: viewer.key.id } });
    expect(me.permissions.sort()).toEqual(['contracts.download', 'contracts.view']);
  });

  it('holds exactly what a signed-in user of the same built-in role holds', async () => {
    for (const role of ['contract_manager', 'approver', 'signer', 'archivist', 'viewer', 'auditor']) {
      const user = await addUser(env, B, `parity-${role}`, [role], { clearance: 'confidential', scope: 'tenant' });
      const { token } = await createKey(B.admin, { name: `对照 ${role}`, roleId: B.roleIds[role] });
      const asUser = (await user.client.get('/api/v1/access/me')).json() as { permissions: string[] };
      const asKey = (await call(token, 'GET', '/api/v1/access/me')).json() as { permissions: string[] };
      expect(asKey.permissions.sort(), role).toEqual(asUser.permissions.sort());
      // …and the API answers alike for a write and a read.
      const write = (await call(token, 'POST', '/api/v1/contracts', draft(`${role} 密钥起草`))).statusCode;
      const userWrite = (await user.client.post('/api/v1/contracts', draft(`${role} 用户起草`))).statusCode;
      expect(write, role).toBe(userWrite);
      expect((await call(token, 'GET', '/api/v1/contracts')).statusCode, role).toBe((await user.client.get('/api/v1/contracts')).statusCode);
    }
  }, 120_000);

  it('refuses unknown, tampered, revoked and expired keys with a readable 401', async () => {
    expect((await call('pk_nonsense', 'GET', '/api/v1/contracts')).json()).toMatchObject({ status: 401, code: 'api_key_invalid' });
    expect((await call('', 'GET', '/api/v1/contracts')).json().code).toBe('api_key_invalid');
    // Another scheme (e.g. Basic added by a proxy) is not a key: the session cookie still decides.
    const basic = await A.admin.get('/api/v1/contracts', { authorization: 'Basic cHJveHk6c2VjcmV0' });
    expect(basic.statusCode).toBe(200);
    const { key, token } = await createKey(A.admin, { name: '临时对账脚本', roleId: A.roleIds.viewer, expiresAt: new Date(Date.now() + 3 * 86400_000).toISOString() });
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect((await call(flipped, 'GET', '/api/v1/contracts')).json().code).toBe('api_key_invalid');
    expect((await call(token, 'GET', '/api/v1/contracts')).statusCode).toBe(200);

    // Expired: the clock moves past the expiry.
    const realNow = env.ctx.now;
    env.ctx.now = () => new Date(Date.now() + 4 * 86400_000);
    try {
      const r = await call(token, 'GET', '/api/v1/contracts');
      expect(r.statusCode).toBe(401);
      expect(r.json()).toMatchObject({ code: 'api_key_expired', detail: 'This API key has expired.' });
      // (The admin's session would be idle by then; read the list through the service.)
      const keys = await env.ctx.db.tenant(A.tenantId, (tx) => env.services.access.listApiKeysTx(tx, A.tenantId));
      expect(keys.find((k) => k.id === key.id)!.status).toBe('expired');
    } finally {
      env.ctx.now = realNow;
    }

    // Revoked, with a reason: stops on the very next request; history and audit record it.
    const rev = await A.admin.post(`/api/v1/access/api-keys/${key.id}/revoke`, { reason: '脚本已下线' });
    expect(rev.statusCode).toBe(200);
    expect(rev.json()).toMatchObject({ status: 'revoked', revokeReason: '脚本已下线' });
    const after = await call(token, 'GET', '/api/v1/contracts');
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('api_key_revoked');
    expect((await A.admin.post(`/api/v1/access/api-keys/${key.id}/revoke`, {})).statusCode).toBe(409);
    expect((await auditRows(A.tenantId, 'api_key.revoke')).at(-1)).toMatchObject({ object_id: key.id, actor_kind: 'tenant_user', details: { reason: '脚本已下线' } });
    expect((await auditRows(A.tenantId, 'api_key.refused')).some((e) => e.actor_id === key.id && e.details.reason === 'api_key_revoked')).toBe(true);
    const history = (await A.admin.get('/api/v1/access/history?kind=api_key.revoke')).json() as { items: Array<{ subjectId: string; reason: string }> };
    expect(history.items.find((h) => h.subjectId === key.id)).toMatchObject({ reason: '脚本已下线' });
    // Another tenant's admin cannot revoke it (404: it does not exist for them).
    const { key: k2 } = await createKey(A.admin, { name: '另一个密钥', roleId: A.roleIds.viewer });
    expect((await B.admin.post(`/api/v1/access/api-keys/${k2.id}/revoke`, {})).statusCode).toBe(404);
  });

  it('follows the tenant state, the api_access entitlement, the role and the creator on the next request', async () => {
    const { token } = await createKey(A.admin, { name: '合同台账导出', roleId: A.roleIds.tenant_admin });

    await setStatus(env, operator, A.tenantId, 'restricted');
    try {
      expect((await call(token, 'GET', '/api/v1/contracts')).statusCode).toBe(200);
      const w = await call(token, 'POST', '/api/v1/contracts', draft('受限期间的草稿'));
      expect(w.statusCode).toBe(403);
      expect(w.json().code).toBe('tenant_read_only');
      await setStatus(env, operator, A.tenantId, 'suspended');
      expect((await call(token, 'GET', '/api/v1/contracts')).json().code).toBe('tenant_suspended');
    } finally {
      await setStatus(env, operator, A.tenantId, 'active');
    }
    expect((await call(token, 'POST', '/api/v1/contracts', draft('恢复后的草稿'))).statusCode).toBe(201);

    // The operator takes the API access module away: every key stops at once.
    await setEntitlements(operator, A.tenantId, { modules: MODULES.filter((m) => m !== 'api_access'), seatLimit: 10, tier: 'confidential' });
    try {
      const r = await call(token, 'GET', '/api/v1/contracts');
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'api_access_not_entitled', detail: expect.stringContaining('API access') });
      // …and the management page is closed too.
      expect((await A.admin.get('/api/v1/access/api-keys')).json().code).toBe('module_not_entitled');
    } finally {
      await setEntitlements(operator, A.tenantId, { modules: MODULES, seatLimit: 10, tier: 'confidential' });
    }
    expect((await call(token, 'GET', '/api/v1/contracts')).statusCode).toBe(200);

    // The tenant's IP allow-list applies to keys as to sessions.
    await env.ctx.db.tenant(A.tenantId, (tx) => savePolicy(tx, A.tenantId, { ...DEFAULT_POLICY, ipAllowlist: ['203.0.113.0/24'] }, A.adminUserId));
    try {
      expect((await call(token, 'GET', '/api/v1/contracts', undefined, '203.0.113.10')).statusCode).toBe(200);
      const outside = await call(token, 'GET', '/api/v1/contracts', undefined, '198.51.100.200');
      expect(outside.statusCode).toBe(403);
      expect(outside.json()).toMatchObject({ code: 'ip_not_allowed', detail: expect.stringContaining('198.51.100.200') });
    } finally {
      await env.ctx.db.tenant(A.tenantId, (tx) => savePolicy(tx, A.tenantId, DEFAULT_POLICY, A.adminUserId));
    }

    // A custom role: narrowing it applies on the next request; deleting it leaves the key with nothing.
    const role = await A.admin.post('/api/v1/access/roles', { name: '数据同步（只读）', permissions: ['contracts.view'] });
    expect(role.statusCode).toBe(201);
    const roleId = (role.json() as { id: string }).id;
    const sync = await createKey(A.admin, { name: '数据仓库同步', roleId });
    expect((await call(sync.token, 'GET', '/api/v1/contracts')).statusCode).toBe(200);
    expect((await A.admin.request('PUT', `/api/v1/access/roles/${roleId}`, { name: '数据同步（只读）', permissions: ['contracts.download'] })).statusCode).toBe(200);
    expect((await call(sync.token, 'GET', '/api/v1/contracts')).json().code).toBe('permission_denied');
    expect((await A.admin.request('DELETE', `/api/v1/access/roles/${roleId}`)).statusCode).toBe(204);
    expect((await call(sync.token, 'GET', '/api/v1/contracts')).json().code).toBe('api_key_role_removed');
    expect((await listKeys(A.admin)).find((k) => k.id === sync.key.id)!.status).toBe('role_removed');

    // A key made by a second admin stops when that admin is disabled.
    const second = await addUser(env, A, 'second-admin', ['tenant_admin']);
    const own = await createKey(second.client, { name: '第二管理员的密钥', roleId: A.roleIds.viewer });
    expect((await call(own.token, 'GET', '/api/v1/contracts')).statusCode).toBe(200);
    expect((await A.admin.post(`/api/v1/access/users/${second.userId}/disable`)).statusCode).toBe(200);
    expect((await call(own.token, 'GET', '/api/v1/contracts')).json()).toMatchObject({ status: 401, code: 'api_key_owner_disabled' });
  }, 60_000);

  it('gives a key no role its creator could not hold', async () => {
    const keeperRole = await A.admin.post('/api/v1/access/roles', { name: '集成管理员', permissions: ['api_keys.manage', 'contracts.view'] });
    const keeper = await addUser(env, A, 'keeper', ['viewer']);
    // Give the keeper the custom role (the viewer role above only made the invitation).
    expect((await A.admin.patch(`/api/v1/access/users/${keeper.userId}`, { roleIds: [(keeperRole.json() as { id: string }).id] })).statusCode).toBe(200);
    const listed = (await keeper.client.get('/api/v1/access/api-keys')).json() as { roles: Array<{ key: string; assignable: boolean }> };
    expect(listed.roles.find((r) => r.key === 'tenant_admin')!.assignable).toBe(false);
    expect(listed.roles.find((r) => r.key === 'viewer')!.assignable).toBe(false); // viewer also downloads
    const admin = await keeper.client.post('/api/v1/access/api-keys', { name: '越权尝试', roleId: A.roleIds.tenant_admin });
    expect(admin.statusCode).toBe(422);
    expect(admin.json().errors[0]).toMatchObject({ path: 'roleId', code: 'api_key_role_admin_only' });
    const manager = await keeper.client.post('/api/v1/access/api-keys', { name: '越权尝试', roleId: A.roleIds.contract_manager });
    expect(manager.json().errors[0]).toMatchObject({ path: 'roleId', code: 'api_key_role_exceeds_creator' });
    const ok = await keeper.client.post('/api/v1/access/api-keys', { name: '只读同步', roleId: (keeperRole.json() as { id: string }).id });
    expect(ok.statusCode).toBe(201);
    // Users without api_keys.manage do not reach the page at all.
    const viewer = await addUser(env, A, 'plain-viewer', ['viewer']);
    expect((await viewer.client.get('/api/v1/access/api-keys')).json().code).toBe('permission_denied');
  }, 60_000);

  it('keeps a key inside its tenant', async () => {
    const { token } = await createKey(A.admin, { name: '跨租户探测', roleId: A.roleIds.tenant_admin });
    const mine = JSON.stringify((await call(token, 'GET', '/api/v1/contracts')).json());
    expect(mine).toContain('华东贸易钢材采购合同');
    expect(mine).not.toContain('西南建材水泥供货合同');
    const bContracts = (await B.admin.get('/api/v1/contracts')).json() as { items: Array<{ id: string }> };
    const bId = bContracts.items[0]!.id;
    expect((await call(token, 'GET', `/api/v1/contracts/${bId}`)).statusCode).toBe(404);
    // A's secret presented under B's tenant id is not a key of B.
    const forged = `pk_${B.tenantId.replace(/-/g, '')}_${token.split('_').slice(2).join('_')}`;
    expect((await call(forged, 'GET', '/api/v1/contracts')).json().code).toBe('api_key_invalid');
    expect((await listKeys(B.admin)).map((k) => k.name)).not.toContain('跨租户探测');
  });

  it('shows when and from where a key was last used', async () => {
    const { key, token } = await createKey(A.admin, { name: '用友 NC 对接', roleId: A.roleIds.viewer });
    const before = Date.now();
    expect((await call(token, 'GET', '/api/v1/contracts', undefined, '198.51.100.7')).statusCode).toBe(200);
    let k = (await listKeys(A.admin)).find((x) => x.id === key.id)!;
    expect(k.lastUsedIp).toBe('198.51.100.7');
    expect(new Date(k.lastUsedAt!).getTime()).toBeGreaterThanOrEqual(before - 1000);
    // Within the minute from the same address nothing new is written; a new address is written at once.
    await call(token, 'GET', '/api/v1/contracts', undefined, '198.51.100.7');
    expect((await auditRows(A.tenantId, 'api_key.use')).filter((e) => e.actor_id === key.id)).toHaveLength(1);
    await call(token, 'GET', '/api/v1/contracts', undefined, '192.0.2.44');
    k = (await listKeys(A.admin)).find((x) => x.id === key.id)!;
    expect(k.lastUsedIp).toBe('192.0.2.44');
    expect((await auditRows(A.tenantId, 'api_key.use')).filter((e) => e.actor_id === key.id).map((e) => e.ip)).toEqual(['198.51.100.7', '192.0.2.44']);
  });

  it('lets another module revoke a key as a containment step', async () => {
    const { key, token } = await createKey(A.admin, { name: '疑似泄露的密钥', roleId: A.roleIds.viewer });
    await env.ctx.db.tenant(A.tenantId, (tx) =>
      env.services.access.revokeApiKeyTx(tx, A.tenantId, key.id, { kind: 'platform_user', id: 'officer', label: 'security@pactum.test' }, '安全事件 INC-7 处置'),
    );
    expect((await call(token, 'GET', '/api/v1/contracts')).json().code).toBe('api_key_revoked');
    const listed = await env.ctx.db.tenant(A.tenantId, (tx) => env.services.access.listApiKeysTx(tx, A.tenantId));
    expect(listed.find((k) => k.id === key.id)).toMatchObject({ status: 'revoked', revokedBy: 'security@pactum.test', revokeReason: '安全事件 INC-7 处置' });
  });
});
