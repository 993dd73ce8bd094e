import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, adminClient, createTestEnv, type Client, type TestEnv } from './helpers.js';
import { addUser, provisionTenant, setEntitlements, setStatus, type TenantFixture } from './accessHelpers.js';
import {
  ALL_PERMISSIONS,
  BUILTIN_GRANTS,
  BUILTIN_ROLES,
  DEFAULT_ENTITLEMENTS,
  ENTITLABLE_MODULES,
  PERMISSIONS,
  stateAllows,
  type BuiltinRole,
  type Permission,
} from '../src/modules/access/catalog.js';

/**
 * The permission matrix, built from the catalogue: every built-in role × every permission × tenant state
 * (active, restricted) × entitlements (all modules on, all off). `can()` and, where an endpoint exists,
 * a real API call must agree with the specification below (which is written independently of the code).
 */

// Endpoints guarded by a permission: what a user of that permission can call.
const PROBES: Partial<Record<Permission, { method: string; url: string; body?: unknown; ok: number }>> = {
  'users.manage': { method: 'GET', url: '/api/v1/access/users', ok: 200 },
  'roles.manage': { method: 'GET', url: '/api/v1/access/roles', ok: 200 },
  'audit.view': { method: 'GET', url: '/api/v1/access/history', ok: 200 },
  'data.export': { method: 'GET', url: '/api/v1/access/export', ok: 200 },
  'contracts.view': { method: 'GET', url: '/api/v1/contracts', ok: 200 },
  'contracts.create': { method: 'POST', url: '/api/v1/contracts', body: { title: 'probe', type: 'other', sensitivity: 'public' }, ok: 201 },
  'templates.manage': { method: 'PATCH', url: '/api/v1/contract-settings', body: { watermarkDownloads: false }, ok: 200 },
};

/** The specification: which permissions a built-in role holds, given the modules it was provisioned with. */
function roleHolds(role: BuiltinRole, perm: Permission, modulesNow: readonly string[]): boolean {
  const mod = PERMISSIONS[perm].module;
  const entitledNow = mod === 'core' || modulesNow.includes(mod);
  if (!entitledNow) return false;
  if (role === 'tenant_admin') return true; // the admin role holds exactly the entitlements
  // Other roles: their provisioning grants, limited to what was entitled at provisioning (never re-granted).
  return BUILTIN_GRANTS[role].includes(perm) && (mod === 'core' || DEFAULT_ENTITLEMENTS.modules.includes(mod));
}

describe('permission matrix (roles × permissions × state × entitlements)', () => {
  let env: TestEnv;
  let operator: Client;
  let t: TenantFixture;
  const users = {} as Record<BuiltinRole, { client: Client }>;

  beforeAll(async () => {
    env = await createTestEnv({ ...ADMIN, trustProxy: true });
    await env.services.security.bootstrapAdmin();
    operator = await adminClient(env);
    t = await provisionTenant(env, 'matrix');
    await setEntitlements(operator, t.tenantId, { modules: [...DEFAULT_ENTITLEMENTS.modules], seatLimit: 50, tier: 'restricted' });
    users.tenant_admin = { client: t.admin };
    for (const role of BUILTIN_ROLES.filter((r) => r !== 'tenant_admin')) users[role] = await addUser(env, t, role, [role]);
  }, 240_000);
  afterAll(async () => env?.close());

  const scenarios: Array<{ modules: readonly string[]; state: 'active' | 'restricted' }> = [
    { modules: ENTITLABLE_MODULES, state: 'active' },
    { modules: ENTITLABLE_MODULES, state: 'restricted' },
    { modules: [], state: 'active' },
    { modules: [], state: 'restricted' },
  ];

  for (const sc of scenarios) {
    it(`modules ${sc.modules.length ? 'all on' : 'all off'}, tenant ${sc.state}`, async () => {
      await setStatus(env, operator, t.tenantId, 'active').catch(() => undefined);
      await setEntitlements(operator, t.tenantId, { modules: [...sc.modules], seatLimit: 50, tier: 'restricted' });
      if (sc.state !== 'active') await setStatus(env, operator, t.tenantId, sc.state);
      const mismatches: string[] = [];
      for (const role of BUILTIN_ROLES) {
        const client = users[role].client;
        const resolved = await env.services.security.resolve(client.cookies.pactum_session!);
        if (!resolved || 'blocked' in resolved) throw new Error(`no session for ${role}`);
        const auth = resolved;
        const me = (await client.get('/api/v1/access/me')).json() as { permissions: string[] };
        for (const perm of ALL_PERMISSIONS) {
          const expected = roleHolds(role, perm, sc.modules) && stateAllows(sc.state, perm);
          const viaCan = await env.services.access.can(auth!, perm);
          if (viaCan !== expected) mismatches.push(`can ${role} ${perm}: ${viaCan}, expected ${expected}`);
          if (me.permissions.includes(perm) !== expected) mismatches.push(`/access/me ${role} ${perm}: ${!expected}`);
          const probe = PROBES[perm];
          if (probe) {
            const res = await client.request(probe.method, probe.url, probe.body);
            if ((res.statusCode === probe.ok) !== expected) mismatches.push(`API ${role} ${perm}: ${res.statusCode}, expected ${expected ? probe.ok : 403}`);
            if (!expected && res.statusCode !== 403) mismatches.push(`API ${role} ${perm}: ${res.statusCode} instead of 403`);
          }
        }
      }
      expect(mismatches).toEqual([]);
    }, 120_000);
  }

  it('explains denials with stable codes and records them (denials + audit outcome denied)', async () => {
    await setStatus(env, operator, t.tenantId, 'active').catch(() => undefined);
    await setEntitlements(operator, t.tenantId, { modules: [...DEFAULT_ENTITLEMENTS.modules], seatLimit: 50, tier: 'restricted' });
    const viewer = users.viewer.client;
    const denied = await viewer.get('/api/v1/access/users');
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'permission_denied' });
    expect(denied.json().detail).toContain('users.manage');

    await setStatus(env, operator, t.tenantId, 'restricted');
    const write = await t.admin.post('/api/v1/access/departments', { name: '法务部' });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({ code: 'tenant_read_only' });
    // read-only permissions (audit.view) still work
    expect((await t.admin.get('/api/v1/access/history')).statusCode).toBe(200);

    await setStatus(env, operator, t.tenantId, 'suspended');
    const read = await t.admin.get('/api/v1/access/users');
    expect(read.statusCode).toBe(403);
    expect(read.json()).toMatchObject({ code: 'tenant_suspended' });
    // data export stays available while suspended
    expect((await t.admin.get('/api/v1/access/export')).statusCode).toBe(200);
    await setStatus(env, operator, t.tenantId, 'active');

    const denials = (await t.admin.get('/api/v1/access/denials')).json() as { items: Array<{ reason: string; permission: string | null }> };
    expect(denials.items.some((d) => d.reason === 'permission_denied' && d.permission === 'users.manage')).toBe(true);
    expect(denials.items.some((d) => d.reason === 'tenant_read_only')).toBe(true);
    expect(denials.items.some((d) => d.reason === 'tenant_suspended')).toBe(true);
    const audited = await env.ctx.db.tenant(t.tenantId, (tx) =>
      tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND outcome = 'denied' AND action = 'access.denied'`, [t.tenantId]),
    );
    expect(audited[0]!.n).toBeGreaterThan(3);
  }, 60_000);
});
