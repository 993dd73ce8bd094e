import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, createTestEnv, lastMailTo, outbox, type TestEnv } from '../helpers.js';
import { audit } from '../../src/platform/audit.js';
import type { Tx } from '../../src/platform/db/index.js';
import { DEFAULT_WORKING_HOURS, defaultRules, evaluate } from '../../src/modules/security/anomalies.js';
import { PASSWORD, seedTenant } from './helpers.js';

type Alert = { id: string; tenantId: string | null; rule: string; severity: string; status: string; actor: { id: string | null }; summary: { count?: number } };

describe('anomaly detection, alerts and incidents', () => {
  let env: TestEnv;
  let officer: Client;
  let A: Awaited<ReturnType<typeof seedTenant>>;
  let B: Awaited<ReturnType<typeof seedTenant>>;
  let adminA: Client;
  let adminB: Client;
  const adminAEmail = 'admin@a-corp.example.com';

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    await env.services.security.bootstrapAdmin();
    officer = new Client(env.app);
    await officer.login(ADMIN.adminEmail, ADMIN.adminPassword);
    A = await seedTenant(env, '甲公司');
    B = await seedTenant(env, '乙公司');
    // Working hours are judged in the tenant's zone: pick one where it is midday now, so that the
    // sign-ins of this test are not "outside working hours" whenever the suite runs.
    const offset = 12 - new Date().getUTCHours();
    const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    await env.ctx.db.platform((tx) => tx.execute(`UPDATE tenants SET time_zone = $1 WHERE id = ANY($2::uuid[])`, [zone, [A.tenantId, B.tenantId]]));
    await A.user(adminAEmail, ['tenant_admin']);
    await B.user('admin@b-corp.example.com', ['tenant_admin']);
    adminA = new Client(env.app);
    await adminA.login(adminAEmail, PASSWORD);
    adminB = new Client(env.app);
    await adminB.login('admin@b-corp.example.com', PASSWORD);
  });
  afterAll(async () => env?.close());

  const record = (tenantId: string, n: number, e: { actor: string; action: string; outcome?: 'success' | 'denied' | 'failure'; kind?: 'tenant_user' | 'api_key'; ip?: string }) =>
    env.ctx.db.tenant(tenantId, async (tx) => {
      for (let i = 0; i < n; i++) {
        await audit.record(tx, { tenantId, actor: { kind: e.kind ?? 'tenant_user', id: e.actor, label: e.actor }, action: e.action, outcome: e.outcome ?? 'success', objectType: 'contract', objectId: `K-${i}`, meta: { ip: e.ip ?? '10.0.0.1' } });
      }
    });
  const scan = async () => (await officer.post('/api/v1/platform/security/anomalies/scan')).json() as { alerts: number };
  const alertsOf = async (c: Client) => ((await c.get('/api/v1/security/alerts')).json() as { items: Alert[] }).items;

  it('raises alerts for many failed sign-ins, repeated denials and mass downloads, once, visible to that tenant only', async () => {
    const users = await Promise.all([1, 2, 3, 4].map((i) => A.user(`u${i}@a-corp.example.com`)));
    for (const [i, u] of users.entries()) {
      for (let k = 0; k < 3; k++) {
        await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: `198.51.100.${i + 1}`, payload: { email: u.email, password: 'Wrong-password-1' } });
      }
    }
    await record(A.tenantId, 5, { actor: 'mallory', action: 'contract.delete', outcome: 'denied' });
    await record(A.tenantId, 4, { actor: 'bob', action: 'contract.delete', outcome: 'denied' });
    await record(A.tenantId, 20, { actor: 'eve', action: 'contract.download' });
    await record(A.tenantId, 19, { actor: 'carol', action: 'contract.download' });
    await scan();
    const list = await alertsOf(adminA);
    expect(list.map((a) => `${a.rule}:${a.actor.id ?? ''}`).sort()).toEqual(['failed_logins:', 'mass_download:eve', 'repeated_denials:mallory'].sort());
    expect(list.find((a) => a.rule === 'mass_download')).toMatchObject({ severity: 'high', status: 'open', summary: { count: 20 } });
    expect(list.find((a) => a.rule === 'failed_logins')!.summary.count).toBe(10); // raised when the 10th failure arrived
    // The same events do not raise again; other tenants see nothing.
    expect((await scan()).alerts).toBe(0);
    expect(await alertsOf(adminB)).toEqual([]);
    // Tenant admins and the platform's security officers are mailed (here the super admin).
    const alertMails = (await outbox(env.dataDir)).filter((m) => /安全告警/.test(m.subject ?? '') && JSON.stringify(m.to).includes(adminAEmail));
    expect(alertMails.map((m) => m.subject).sort()).toEqual(['Pactum 安全告警：反复被拒绝的操作', 'Pactum 安全告警：大量登录失败', 'Pactum 安全告警：短时间内大量下载'].sort());
    expect((await lastMailTo(env.dataDir, ADMIN.adminEmail, /安全告警/)).subject).toMatch(/Pactum 安全告警/);
    // A plain user cannot read alerts.
    const plain = new Client(env.app);
    await plain.login((await A.user('plain@a-corp.example.com')).email, PASSWORD);
    expect((await plain.get('/api/v1/security/alerts')).statusCode).toBe(403);
  });

  it('flags an API key used from a new address, not a known one (real key calls)', async () => {
    // Tenant A gets the API access module; its admin creates a key and an integration calls with it.
    const admin = await env.ctx.db.platform(async (tx) => {
      await tx.actAsTenant(A.tenantId);
      await env.services.access.seedTenant(tx, A.tenantId);
      const u = await tx.one<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND email = $2`, [A.tenantId, adminAEmail]);
      const r = await tx.one<{ id: string }>(`SELECT id FROM roles WHERE tenant_id = $1 AND key = 'tenant_admin'`, [A.tenantId]);
      await tx.execute(`INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [A.tenantId, u.id, r.id]);
      return { roleId: r.id };
    });
    const ent = await officer.request('PUT', `/api/v1/platform/tenants/${A.tenantId}/entitlements`, { modules: ['drafting', 'api_access'], seatLimit: 10, tier: 'internal', reason: '开通 API 接入' });
    expect(ent.statusCode).toBe(200);
    const created = await adminA.post('/api/v1/access/api-keys', { name: 'ERP 对接', roleId: admin.roleId });
    expect(created.statusCode).toBe(201);
    const { key, token } = created.json() as { key: { id: string }; token: string };
    const callFrom = async (ip: string) => {
      const r = await env.app.inject({ method: 'GET', url: '/api/v1/contracts', remoteAddress: ip, headers: { authorization: `Bearer ${token}` } });
      expect(r.statusCode).toBe(200);
    };

    await callFrom('203.0.113.1');
    await scan();
    await callFrom('203.0.113.1');
    await callFrom('203.0.113.1');
    expect((await scan()).alerts).toBe(0);
    await callFrom('192.0.2.99');
    expect((await scan()).alerts).toBe(1);
    // Back to the known address: not new.
    await callFrom('203.0.113.1');
    expect((await scan()).alerts).toBe(0);
    const raised = (await alertsOf(adminA)).filter((a) => a.rule === 'api_key_new_ip');
    expect(raised.map((a) => (a.summary as { ip?: string }).ip).sort()).toEqual(['192.0.2.99', '203.0.113.1']);
    expect(raised.every((a) => a.actor.id === key.id)).toBe(true);
  });

  it('flags sign-ins outside working hours in the tenant’s time zone', async () => {
    const ev = (hourUtc: number, seq: number) => ({
      seq,
      occurred_at: new Date(Date.UTC(2026, 11, 3, hourUtc, 30)),
      actor_kind: 'tenant_user',
      actor_id: 'u-1',
      actor_label: 'u1@example.com',
      action: 'auth.login',
      outcome: 'success',
      ip: '10.0.0.1',
    });
    // 16:30 UTC = 00:30 in Shanghai (off hours); 02:30 UTC = 10:30 in Shanghai (working hours).
    const noNetworkRule = { rules: { ...defaultRules(), new_network: { enabled: false } }, workingHours: DEFAULT_WORKING_HOURS };
    const raised = await evaluate({} as unknown as Tx, A.tenantId, [ev(16, 1), ev(2, 2)], () => true, 'Asia/Shanghai', noNetworkRule);
    expect(raised.map((a) => [a.rule, a.firstSeq])).toEqual([['off_hours_access', 1]]);
    // In London 16:30 UTC is working time.
    expect(await evaluate({} as unknown as Tx, A.tenantId, [ev(16, 1)], () => true, 'Europe/London', noNetworkRule)).toEqual([]);
  });

  it('lets the tenant admin acknowledge, dismiss or escalate; escalation reaches the platform', async () => {
    const list = await alertsOf(adminA);
    const denial = list.find((a) => a.rule === 'repeated_denials')!;
    const download = list.find((a) => a.rule === 'mass_download')!;
    expect((await adminA.post(`/api/v1/security/alerts/${denial.id}/acknowledge`, { note: '已核实' })).json()).toMatchObject({ status: 'acknowledged', note: '已核实' });
    expect((await adminA.post(`/api/v1/security/alerts/${download.id}/escalate`, { note: '疑似数据外泄' })).json()).toMatchObject({ status: 'escalated' });
    expect((await adminA.post(`/api/v1/security/alerts/${download.id}/dismiss`, { note: '已升级' })).statusCode).toBe(409);
    expect((await adminB.post(`/api/v1/security/alerts/${denial.id}/dismiss`, { note: '不是我们的' })).statusCode).toBe(404);
    const platformView = (await officer.get('/api/v1/platform/security/alerts?status=escalated')).json() as { items: Alert[] };
    expect(platformView.items.map((a) => a.id)).toEqual([download.id]);
    expect((await lastMailTo(env.dataDir, ADMIN.adminEmail, /安全告警/)).text).toContain('escalated');
  });

  it('runs an incident: 4-hour regulator deadline for 较大 or worse, timeline, containment, tenant notification', async () => {
    const detectedAt = new Date(Date.now() - 3600_000).toISOString();
    const minor = (await officer.post('/api/v1/platform/security/incidents', { title: '钓鱼邮件', severity: 'general', detectedAt })).json();
    expect(minor.regulator).toMatchObject({ required: false, deadline: null, secondsLeft: null });
    const raised = (await officer.post(`/api/v1/platform/security/incidents/${minor.id}/events`, { kind: 'severity', severity: 'major' })).json();
    expect(raised.regulator.required).toBe(true);
    expect(new Date(raised.regulator.deadline).getTime()).toBe(new Date(detectedAt).getTime() + 4 * 3600_000);
    expect(raised.regulator.secondsLeft).toBeGreaterThan(3 * 3600 - 60);
    expect(raised.regulator.secondsLeft).toBeLessThanOrEqual(3 * 3600);

    const inc = (await officer.post('/api/v1/platform/security/incidents', { title: '合同批量下载', description: '账号 eve 10 分钟内下载 20 份合同', severity: 'serious' })).json();
    expect(inc.regulator.secondsLeft).toBeGreaterThan(4 * 3600 - 60);
    const download = (await alertsOf(adminA)).find((a) => a.rule === 'mass_download')!;
    const failed = (await alertsOf(adminA)).find((a) => a.rule === 'failed_logins')!;
    expect((await officer.post(`/api/v1/platform/security/alerts/${A.tenantId}/${failed.id}/escalate`, { incidentId: inc.id })).json()).toMatchObject({ status: 'escalated', incidentId: inc.id });
    await officer.post(`/api/v1/platform/security/incidents/${inc.id}/events`, { kind: 'containment', text: '已冻结账号 eve 并结束其全部会话' });
    await officer.post(`/api/v1/platform/security/incidents/${inc.id}/events`, { kind: 'status', status: 'contained' });
    const notify = await officer.post(`/api/v1/platform/security/incidents/${inc.id}/notify`, { tenantIds: [A.tenantId], message: '贵单位有 20 份合同被异常下载，请核查。' });
    expect(notify.json()).toEqual({ notified: 1 });
    const reported = (await officer.post(`/api/v1/platform/security/incidents/${inc.id}/events`, { kind: 'regulator_reported', reference: '网信办-2026-001' })).json();
    expect(reported.regulator).toMatchObject({ reference: '网信办-2026-001', secondsLeft: null, overdue: false });

    const full = (await officer.get(`/api/v1/platform/security/incidents/${inc.id}`)).json() as { status: string; timeline: Array<{ kind: string }>; notifiedTenants: Array<{ tenantId: string }> };
    expect(full.status).toBe('contained');
    expect(full.timeline.map((t) => t.kind)).toEqual(['created', 'alert_linked', 'containment', 'status', 'tenant_notified', 'regulator_reported']);
    expect(full.notifiedTenants.map((n) => n.tenantId)).toEqual([A.tenantId]);
    expect(download.status).toBe('escalated');

    // The tenant sees its notice and its admin got a mail; the other tenant sees nothing.
    expect(((await adminA.get('/api/v1/security/incident-notices')).json() as { items: Array<{ title: string }> }).items).toEqual([
      expect.objectContaining({ title: '合同批量下载', severity: 'serious' }),
    ]);
    expect((await lastMailTo(env.dataDir, adminAEmail, /安全事件通知/)).text).toContain('异常下载');
    expect(((await adminB.get('/api/v1/security/incident-notices')).json() as { items: unknown[] }).items).toEqual([]);
    // Tenant admins cannot run incidents.
    expect((await adminA.post('/api/v1/platform/security/incidents', { title: 'x', severity: 'general' })).statusCode).toBe(403);
  });
});
