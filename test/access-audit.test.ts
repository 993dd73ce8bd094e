import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, adminClient, createTestEnv, multipart, outbox, type TestEnv } from './helpers.js';
import { addUser, provisionTenant, type TenantFixture } from './accessHelpers.js';

interface Findings {
  summary: { deniedUsers: number; denials: number; sodConflicts: number; admins: number; tooManyAdmins: boolean; dormant: number; unusedGrants: number };
  deniedByUser: Array<{ userId: string; email: string; count: number; reasons: Record<string, number> }>;
  unusedPermissions: Array<{ userId: string; permissions: string[] }>;
  sodConflicts: Array<{ userId: string; pair: [string, string] }>;
  admins: { count: number; threshold: number; exceeded: boolean };
  dormantAccounts: Array<{ userId: string }>;
}

const spikeMails = async (env: TestEnv, to: string) =>
  (await outbox(env.dataDir)).filter(
    (m) => /被拒绝操作异常增多/.test(m.subject ?? '') && (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((a) => a.value.some((v) => v.address === to)),
  );

describe('access: over-reach audit (reports, settings, denial-spike alerts)', () => {
  let env: TestEnv;
  let operator: Client;
  let t: TenantFixture;
  let other: TenantFixture;
  let officerEmail: string;

  beforeAll(async () => {
    env = await createTestEnv({ ...ADMIN, trustProxy: true });
    await env.services.security.bootstrapAdmin();
    operator = await adminClient(env);
    t = await provisionTenant(env, 'audit');
    other = await provisionTenant(env, 'other');
    officerEmail = 'officer@pactum.test';
    const created = await operator.post('/api/v1/platform/users', { email: officerEmail, name: '安全官', roles: ['security_officer'] });
    expect(created.statusCode).toBe(201);
  }, 120_000);
  afterAll(async () => env?.close());

  it('validates and stores per-tenant settings; only a role manager may change them', async () => {
    const defaults = (await t.admin.get('/api/v1/access/audit-settings')).json();
    expect(defaults).toMatchObject({ maxAdmins: 3, spikeThreshold: 10, sodPairs: [['contracts.create', 'contracts.approve'], ['contracts.edit', 'contracts.approve']] });
    const bad = await t.admin.request('PUT', '/api/v1/access/audit-settings', { sodPairs: [['contracts.create', 'contracts.fly']], maxAdmins: 1, spikeThreshold: 3 });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0]).toMatchObject({ path: 'sodPairs.0.1', code: 'permission_unknown' });
    const ok = await t.admin.request('PUT', '/api/v1/access/audit-settings', { sodPairs: [['contracts.create', 'contracts.approve']], maxAdmins: 1, spikeThreshold: 3 });
    expect(ok.statusCode).toBe(200);
    expect((await t.admin.get('/api/v1/access/audit-settings')).json()).toMatchObject({ maxAdmins: 1, spikeThreshold: 3 });
    // The other tenant keeps the defaults.
    expect((await other.admin.get('/api/v1/access/audit-settings')).json()).toMatchObject({ maxAdmins: 3, spikeThreshold: 10 });
    const viewer = await addUser(env, t, 'settings-viewer', ['viewer']);
    expect((await viewer.client.request('PUT', '/api/v1/access/audit-settings', { sodPairs: [], maxAdmins: 5, spikeThreshold: 5 })).statusCode).toBe(403);
  }, 60_000);

  it('raises one alert when a user reaches the denial threshold within 10 minutes, mailed to tenant admins and security operators', async () => {
    const before = (await t.admin.get('/api/v1/access/alerts')).json().items.length;
    const v = await addUser(env, t, 'spiky', ['viewer']);
    // Two denials: below the threshold (3).
    for (let i = 0; i < 2; i++) expect((await v.client.post('/api/v1/contracts', { title: '越权合同一', type: 'other' })).statusCode).toBe(403);
    expect((await t.admin.get('/api/v1/access/alerts')).json().items.length).toBe(before);
    expect(await spikeMails(env, t.adminEmail)).toHaveLength(0);
    // Third: the alert.
    expect((await v.client.get('/api/v1/access/users')).statusCode).toBe(403);
    const alerts = (await t.admin.get('/api/v1/access/alerts')).json().items as Array<{ userId: string; count: number; windowMinutes: number }>;
    expect(alerts.length).toBe(before + 1);
    expect(alerts[0]).toMatchObject({ userId: v.userId, count: 3, windowMinutes: 10 });
    const adminMail = await spikeMails(env, t.adminEmail);
    expect(adminMail).toHaveLength(1);
    expect(adminMail[0]!.text).toContain(v.email);
    expect(await spikeMails(env, officerEmail)).toHaveLength(1);
    expect(await spikeMails(env, ADMIN.adminEmail)).toHaveLength(1);
    // More denials inside the same window do not alert again.
    expect((await v.client.post('/api/v1/contracts', { title: '越权合同二', type: 'other' })).statusCode).toBe(403);
    expect((await t.admin.get('/api/v1/access/alerts')).json().items.length).toBe(before + 1);
    expect(await spikeMails(env, t.adminEmail)).toHaveLength(1);
    // The operator sees it; the other tenant does not.
    const all = (await operator.get('/api/v1/platform/access/alerts')).json().items as Array<{ tenantId: string }>;
    expect(all.some((a) => a.tenantId === t.tenantId)).toBe(true);
    expect((await other.admin.get('/api/v1/access/alerts')).json().items).toHaveLength(0);
  }, 60_000);

  it('reports denials by user, separation-of-duty conflicts and too many admins, on demand by the tenant admin', async () => {
    const maker = await addUser(env, t, 'maker-checker', ['contract_manager', 'approver']);
    const onlyMaker = await addUser(env, t, 'only-maker', ['contract_manager']);
    const denied = await addUser(env, t, 'denied', ['viewer']);
    expect((await denied.client.get('/api/v1/access/roles')).statusCode).toBe(403);
    expect((await denied.client.get('/api/v1/access/history')).statusCode).toBe(403);

    const res = await t.admin.post('/api/v1/access/reports');
    expect(res.statusCode).toBe(201);
    const f = res.json().findings as Findings;
    const mine = f.deniedByUser.find((d) => d.userId === denied.userId)!;
    expect(mine).toMatchObject({ email: denied.email, count: 2, reasons: { permission_denied: 2 } });
    const conflicted = f.sodConflicts.map((c) => c.userId);
    expect(conflicted).toContain(maker.userId);
    expect(conflicted).toContain(t.adminUserId); // the admin holds everything
    expect(conflicted).not.toContain(onlyMaker.userId);
    expect(f.sodConflicts.find((c) => c.userId === maker.userId)!.pair).toEqual(['contracts.create', 'contracts.approve']);
    // Threshold 1: one admin is not too many; a second one is.
    expect(f.admins).toMatchObject({ count: 1, threshold: 1, exceeded: false });
    await addUser(env, t, 'second-admin', ['tenant_admin']);
    const f2 = (await t.admin.post('/api/v1/access/reports')).json().findings as Findings;
    expect(f2.admins).toMatchObject({ count: 2, exceeded: true });
    expect(f2.summary.tooManyAdmins).toBe(true);
    // New accounts are neither dormant nor holders of "unused" grants yet.
    expect(f2.dormantAccounts).toHaveLength(0);
    expect(f2.unusedPermissions).toHaveLength(0);

    const list = (await t.admin.get('/api/v1/access/reports')).json().items as Array<{ id: string; trigger: string; summary: { tooManyAdmins: boolean } }>;
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list[0]).toMatchObject({ trigger: 'on_demand', summary: { tooManyAdmins: true } });
    const one = await t.admin.get(`/api/v1/access/reports/${list[0]!.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().findings.admins.count).toBe(2);
    // Another tenant cannot read it (404), a viewer cannot list reports (403).
    expect((await other.admin.get(`/api/v1/access/reports/${list[0]!.id}`)).statusCode).toBe(404);
    expect((await denied.client.get('/api/v1/access/reports')).statusCode).toBe(403);
  }, 90_000);

  it('finds dormant accounts and permissions unused for 90 days (use is tracked when a check passes)', async () => {
    const t3 = await provisionTenant(env, 'dormant');
    const active = await addUser(env, t3, 'active-reader', ['viewer']);
    const sleeper = await addUser(env, t3, 'sleeper', ['viewer']);
    // Both accounts were made 120 days ago; the sleeper last signed in 100 days ago and last viewed then.
    const ago = (d: number) => new Date(Date.now() - d * 86_400_000);
    await env.ctx.db.tenant(t3.tenantId, async (tx) => {
      await tx.execute(`UPDATE users SET created_at = $2 WHERE tenant_id = $1 AND id = ANY ($3::uuid[])`, [t3.tenantId, ago(120), [active.userId, sleeper.userId]]);
      await tx.execute(`UPDATE users SET last_login_at = $3 WHERE tenant_id = $1 AND id = $2`, [t3.tenantId, sleeper.userId, ago(100)]);
      await tx.execute(`UPDATE permission_usage SET last_used_on = $3 WHERE tenant_id = $1 AND user_id = $2`, [t3.tenantId, sleeper.userId, ago(100)]);
    });
    // The active reader lists contracts today (contracts.view passes), twice.
    expect((await active.client.get('/api/v1/contracts')).statusCode).toBe(200);
    expect((await active.client.get('/api/v1/contracts')).statusCode).toBe(200);
    const f = (await t3.admin.post('/api/v1/access/reports')).json().findings as Findings;
    const dormant = f.dormantAccounts.map((d) => d.userId);
    expect(dormant).toContain(sleeper.userId);
    expect(dormant).not.toContain(active.userId);
    expect(f.unusedPermissions.find((u) => u.userId === active.userId)!.permissions).toEqual(['contracts.download']);
    expect(f.unusedPermissions.find((u) => u.userId === sleeper.userId)!.permissions).toEqual(['contracts.download', 'contracts.view']);
    // A use 100 days ago is older than the window; one today is not.
    // Use is written at most once a day per user and permission.
    const rows = await env.ctx.db.tenant(t3.tenantId, (tx) =>
      tx.query<{ permission: string }>(`SELECT permission FROM permission_usage WHERE tenant_id = $1 AND user_id = $2`, [t3.tenantId, active.userId]),
    );
    expect(rows.map((r) => r.permission)).toEqual(['contracts.view']);
  }, 90_000);

  it('operators run and read reports per tenant; the scheduled run writes one report per live tenant', async () => {
    const r = await operator.post(`/api/v1/platform/tenants/${other.tenantId}/access-reports`);
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ tenantId: other.tenantId, trigger: 'on_demand' });
    const got = await operator.get(`/api/v1/platform/tenants/${other.tenantId}/access-reports/${r.json().id}`);
    expect(got.statusCode).toBe(200);
    // The tenant sees the operator's report in its own list.
    expect(((await other.admin.get('/api/v1/access/reports')).json().items as Array<{ id: string }>).map((x) => x.id)).toContain(r.json().id);
    // A reviewer may not run or read reports.
    const reviewer = await operator.post('/api/v1/platform/users', { email: 'rev@pactum.test', name: '审核员', roles: ['reviewer'] });
    const rc = new Client(env.app);
    await rc.login('rev@pactum.test', reviewer.json().initialPassword);
    expect((await rc.post('/api/v1/auth/password', { currentPassword: reviewer.json().initialPassword, newPassword: 'Shenhe-Yuan-2026!' })).statusCode).toBe(204);
    // A reviewer works on registrations only: no tenant access settings either.
    expect((await rc.get(`/api/v1/platform/tenants/${other.tenantId}/access`)).statusCode).toBe(403);
    expect((await rc.post(`/api/v1/platform/tenants/${other.tenantId}/access-reports`)).statusCode).toBe(403);
    expect((await rc.get('/api/v1/platform/access-reports')).statusCode).toBe(403);
    expect((await operator.post(`/api/v1/platform/tenants/00000000-0000-4000-8000-000000000000/access-reports`)).statusCode).toBe(404);

    const res = await env.services.access.runScheduledReports();
    expect(res.failed).toBe(0);
    expect(res.tenants).toBeGreaterThanOrEqual(3);
    const all = (await operator.get('/api/v1/platform/access-reports')).json().items as Array<{ tenantId: string; trigger: string }>;
    const scheduled = all.filter((x) => x.trigger === 'scheduled');
    expect(new Set(scheduled.map((x) => x.tenantId)).size).toBe(res.tenants);
    expect(scheduled.filter((x) => x.tenantId === t.tenantId)).toHaveLength(1);
    const filtered = (await operator.get(`/api/v1/platform/access-reports?tenantId=${t.tenantId}`)).json().items as Array<{ tenantId: string }>;
    expect(filtered.every((x) => x.tenantId === t.tenantId)).toBe(true);
  }, 90_000);

  it('contracts: a viewer downloads an attachment but cannot create; an auditor may view but not download', async () => {
    const created = await other.admin.post('/api/v1/contracts', { title: '采购框架协议', type: 'purchase', sensitivity: 'internal', body: '第一条 标的\n第二条 价款' });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const file = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
    const m = multipart('file', '采购框架协议.pdf', file);
    const att = await other.admin.request('POST', `/api/v1/contracts/${id}/attachments`, m.payload, m.headers);
    expect(att.statusCode, att.body).toBe(201);
    const viewer = await addUser(env, other, 'doc-viewer', ['viewer'], { clearance: 'internal', scope: 'tenant' });
    expect((await viewer.client.get(`/api/v1/contracts/${id}`)).json().body).toContain('第二条 价款');
    const dl = await viewer.client.get(`/api/v1/contracts/${id}/attachments/${att.json().id}`);
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toContain('application/pdf');
    expect(dl.headers['content-disposition']).toContain(encodeURIComponent('采购框架协议'));
    expect(dl.rawPayload.equals(file)).toBe(true);
    const downloads = await env.ctx.db.tenant(other.tenantId, (tx) => tx.query(`SELECT 1 FROM audit_events WHERE action = 'contract.download' AND object_id = $1`, [id]));
    expect(downloads).toHaveLength(1);
    const refused = await viewer.client.post('/api/v1/contracts', { title: '我的合同', type: 'other' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'permission_denied' });
    const auditor = await addUser(env, other, 'doc-auditor', ['auditor'], { clearance: 'internal', scope: 'tenant' });
    expect((await auditor.client.get(`/api/v1/contracts/${id}`)).statusCode).toBe(200);
    expect((await auditor.client.get(`/api/v1/contracts/${id}/attachments/${att.json().id}`)).statusCode).toBe(403);
  }, 60_000);
});
