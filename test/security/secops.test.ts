import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN, Client, createTestEnv, lastMailTo, outbox, type TestEnv } from '../helpers.js';
import { addUser, login, provisionTenant, setEntitlements, type TenantFixture } from '../accessHelpers.js';
import { audit } from '../../src/platform/audit.js';
import { networkOf } from '../../src/modules/security/anomalies.js';
import { CheckpointStore, verifyChain, writeCheckpoints } from '../../src/modules/security/checkpoints.js';
import net from 'node:net';
import { formatRfc5424, parseSyslogUrl, sendSyslog } from '../../src/platform/syslog.js';
import { applyRetention } from '../../src/modules/security/retention.js';
import { seedTenant } from './helpers.js';

type Incident = {
  id: string;
  status: string;
  severity: string;
  resolutionMinutes: number | null;
  affectedTenants: Array<{ tenantId: string; name: string; status: string }>;
  timeline: Array<{ kind: string; text: string }>;
};

describe('security operations: containment, incidents, alerts, anomaly settings, training gates, checkpoint sinks', () => {
  let env: TestEnv;
  let officer: Client;
  let A: TenantFixture;
  let B: TenantFixture;

  beforeAll(async () => {
    env = await createTestEnv({ ...ADMIN, trustProxy: true });
    await env.services.security.bootstrapAdmin();
    officer = new Client(env.app);
    await officer.login(ADMIN.adminEmail, ADMIN.adminPassword);
    A = await provisionTenant(env, '华东贸易');
    B = await provisionTenant(env, '岭南物流');
  });
  afterAll(async () => env?.close());

  const scan = async () => (await officer.post('/api/v1/platform/security/anomalies/scan')).json() as { alerts: number };
  const incidentOf = async (id: string) => (await officer.get(`/api/v1/platform/security/incidents/${id}`)).json() as Incident;
  const contain = (id: string, body: Record<string, unknown>) => officer.post(`/api/v1/platform/security/incidents/${id}/contain`, body);

  it('containment revokes a leaked API key: its next call is 401, the step is on the timeline', async () => {
    await setEntitlements(officer, A.tenantId, { modules: ['drafting', 'approval', 'signing', 'archiving', 'api_access'], seatLimit: 10, tier: 'confidential' });
    const created = await A.admin.post('/api/v1/access/api-keys', { name: '用友 U8 同步', roleId: A.roleIds.viewer });
    expect(created.statusCode).toBe(201);
    const { key, token } = created.json() as { key: { id: string; prefix: string }; token: string };
    const call = () => env.app.inject({ method: 'GET', url: '/api/v1/contracts', remoteAddress: '198.51.100.7', headers: { authorization: `Bearer ${token}` } });
    expect((await call()).statusCode).toBe(200);

    const inc = (await officer.post('/api/v1/platform/security/incidents', { title: 'API 密钥疑似泄露', severity: 'major', tenantIds: [A.tenantId] })).json() as Incident;
    // The officer picks the key from the tenant's list (audited), then revokes it.
    const listed = (await officer.get(`/api/v1/platform/security/tenant-api-keys?tenantId=${A.tenantId}`)).json() as { items: Array<{ id: string; status: string }> };
    expect(listed.items.find((k) => k.id === key.id)?.status).toBe('active');
    const r = await contain(inc.id, { action: 'revoke_api_key', tenantId: A.tenantId, keyId: key.id, reason: '密钥出现在公开代码仓库' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ action: 'revoke_api_key', details: { keyId: key.id } });
    const after = await call();
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('api_key_revoked');
    // Revoking twice is a conflict, a key of another tenant is not found there.
    expect((await contain(inc.id, { action: 'revoke_api_key', tenantId: A.tenantId, keyId: key.id, reason: '再次' })).statusCode).toBe(409);
    expect((await contain(inc.id, { action: 'revoke_api_key', tenantId: B.tenantId, keyId: key.id, reason: '错租户' })).statusCode).toBe(404);
    const full = await incidentOf(inc.id);
    expect(full.timeline.some((t) => t.kind === 'containment_action' && t.text.startsWith('revoke_api_key 用友 U8 同步'))).toBe(true);
  });

  it('containment really acts: a locked user is signed out at once, sessions end, the tenant becomes read-only; each step is on the timeline', async () => {
    const eve = await addUser(env, A, 'eve', ['viewer']);
    const wang = await addUser(env, A, 'wang', ['contract_manager']);
    const other = await addUser(env, B, 'li', ['viewer']);
    expect((await eve.client.get('/api/v1/me')).statusCode).toBe(200);

    const inc = (await officer.post('/api/v1/platform/security/incidents', { title: '账号 eve 异常批量下载', severity: 'serious', tenantIds: [A.tenantId] })).json() as Incident;
    // Picking users: the officer lists the tenant's users (audited on the tenant's chain).
    const users = (await officer.get(`/api/v1/platform/security/tenant-users?tenantId=${A.tenantId}&q=eve`)).json() as { items: Array<{ id: string; email: string }> };
    expect(users.items.map((u) => u.email)).toEqual([eve.email]);

    // Lock eve: her very next request is 401 account_disabled, and she cannot sign in again.
    const locked = await contain(inc.id, { action: 'lock_user', tenantId: A.tenantId, userId: eve.userId, reason: '疑似账号被盗用' });
    expect(locked.statusCode).toBe(200);
    expect(locked.json()).toMatchObject({ action: 'lock_user', details: { changed: true, sessionsEnded: 1 } });
    const next = await eve.client.get('/api/v1/security/sessions');
    expect(next.statusCode).toBe(401);
    expect(next.json().code).toBe('account_disabled');
    const again = await new Client(env.app).post('/api/v1/auth/login', { email: eve.email, password: 'Blue-Lantern-Orbit-42' });
    expect(again.statusCode).toBe(403);
    expect(again.json().code).toBe('account_disabled');

    // Revoke one user's sessions, then a whole tenant's: B is untouched.
    expect((await contain(inc.id, { action: 'revoke_sessions', tenantId: A.tenantId, userId: wang.userId, reason: '强制重新登录' })).json()).toMatchObject({ details: { ended: 1 } });
    expect((await wang.client.get('/api/v1/me')).statusCode).toBe(401);
    await login(wang.client, wang.email, 'Blue-Lantern-Orbit-42');
    expect((await wang.client.get('/api/v1/me')).statusCode).toBe(200);
    const all = (await contain(inc.id, { action: 'revoke_sessions', tenantId: A.tenantId, reason: '全员重新登录' })).json() as { details: { ended: number } };
    expect(all.details.ended).toBeGreaterThanOrEqual(2); // wang and the tenant admin
    expect((await wang.client.get('/api/v1/me')).statusCode).toBe(401);
    expect((await A.admin.get('/api/v1/me')).statusCode).toBe(401);
    expect((await other.client.get('/api/v1/me')).statusCode).toBe(200);

    // Read-only: reads work, writes are 403 tenant_read_only.
    await login(A.admin, A.adminEmail, 'Blue-Lantern-Orbit-42');
    expect((await contain(inc.id, { action: 'tenant_read_only', tenantId: A.tenantId, reason: '调查期间冻结写入' })).json()).toMatchObject({ details: { status: 'restricted' } });
    expect((await A.admin.get('/api/v1/access/denials')).statusCode).toBe(200);
    const write = await A.admin.post('/api/v1/access/invitations', { email: 'new-hire@example.com', roleIds: [A.roleIds.viewer] });
    expect(write.statusCode).toBe(403);
    expect(write.json().code).toBe('tenant_read_only');
    expect((await B.admin.post('/api/v1/access/invitations', { email: 'hire-b@example.com', roleIds: [B.roleIds.viewer] })).statusCode).toBe(201);

    // Undo after the incident: the tenant is writable again, eve can sign in.
    expect((await contain(inc.id, { action: 'tenant_restore', tenantId: A.tenantId, reason: '调查结束' })).json()).toMatchObject({ details: { status: 'active' } });
    expect((await contain(inc.id, { action: 'unlock_user', tenantId: A.tenantId, userId: eve.userId, reason: '已重置密码' })).json()).toMatchObject({ details: { changed: true } });
    await login(eve.client, eve.email, 'Blue-Lantern-Orbit-42');

    // Invalid input saves nothing: unknown user (404), missing reason (422), unknown action (422).
    expect((await contain(inc.id, { action: 'lock_user', tenantId: A.tenantId, userId: '00000000-0000-4000-8000-000000000001', reason: 'x' })).statusCode).toBe(404);
    expect((await contain(inc.id, { action: 'lock_user', tenantId: A.tenantId, userId: eve.userId })).statusCode).toBe(422);
    expect((await contain(inc.id, { action: 'wipe_disk', tenantId: A.tenantId, reason: 'x' })).statusCode).toBe(422);
    // Tenant admins cannot contain.
    expect((await A.admin.post(`/api/v1/platform/security/incidents/${inc.id}/contain`, { action: 'tenant_read_only', tenantId: B.tenantId, reason: 'x' })).statusCode).toBe(403);

    const full = await incidentOf(inc.id);
    const actions = full.timeline.filter((t) => t.kind === 'containment_action').map((t) => t.text.split(' ')[0]);
    expect(actions).toEqual(['lock_user', 'revoke_sessions', 'revoke_sessions', 'tenant_read_only', 'tenant_restore', 'unlock_user']);
    expect(full.timeline.find((t) => t.kind === 'containment_action')!.text).toContain(eve.email);
    expect(full.affectedTenants.map((t) => t.name)).toEqual(['华东贸易 有限公司']);
    // Audited on the tenant's chain (what was done to it) and on the platform chain (the incident step).
    const tenantLog = await env.ctx.db.tenant(A.tenantId, (tx) => tx.query<{ action: string; actor_kind: string }>(`SELECT action, actor_kind FROM audit_events WHERE tenant_id = $1 ORDER BY seq`, [A.tenantId]));
    expect(tenantLog.filter((e) => e.actor_kind === 'platform_user').map((e) => e.action)).toEqual(
      expect.arrayContaining(['security.incident.user_lookup', 'user.disable', 'session.revoke_user', 'session.revoke_tenant', 'tenant.status', 'user.enable']),
    );
    const platformLog = await env.ctx.db.platform((tx) =>
      tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'security.incident.containment' AND object_id = $1`, [inc.id]),
    );
    expect(platformLog[0]!.n).toBe(6);
  });

  it('incidents: affected tenants from a list, resolution before resolving, post-mortem before closing a 较大 incident, resolution time', async () => {
    const tenants = (await officer.get('/api/v1/platform/security/tenants?q=岭南')).json() as { items: Array<{ id: string; name: string }> };
    expect(tenants.items.map((t) => t.id)).toEqual([B.tenantId]);
    const detectedAt = new Date(Date.now() - 90 * 60_000).toISOString();
    const inc = (await officer.post('/api/v1/platform/security/incidents', { title: '供应商接口凭据泄露', severity: 'major', detectedAt })).json() as Incident;
    const ev = (body: Record<string, unknown>) => officer.post(`/api/v1/platform/security/incidents/${inc.id}/events`, body);
    expect((await ev({ kind: 'tenants', add: [B.tenantId, A.tenantId] })).statusCode).toBe(200);
    expect((await ev({ kind: 'tenants', remove: [A.tenantId] })).statusCode).toBe(200);
    expect((await ev({ kind: 'tenants', add: ['00000000-0000-4000-8000-000000000009'] })).statusCode).toBe(422);

    // Resolved needs a resolution.
    const early = await ev({ kind: 'status', status: 'resolved' });
    expect(early.statusCode).toBe(422);
    expect(early.json().errors).toEqual([expect.objectContaining({ path: 'resolution', code: 'resolution_required' })]);
    await ev({ kind: 'resolution', resolution: '已吊销泄露的凭据并轮换密钥' });
    const resolved = (await ev({ kind: 'status', status: 'resolved' })).json() as Incident;
    expect(resolved.status).toBe('resolved');
    expect(resolved.resolutionMinutes).toBeGreaterThanOrEqual(89);
    expect(resolved.resolutionMinutes).toBeLessThanOrEqual(91);

    // Closing a 较大 incident needs the whole post-mortem.
    const close = await ev({ kind: 'status', status: 'closed' });
    expect(close.statusCode).toBe(422);
    expect((close.json().errors as Array<{ path: string }>).map((e) => e.path).sort()).toEqual(['postmortem.actions', 'postmortem.impact', 'postmortem.lessons', 'postmortem.rootCause']);
    expect((await ev({ kind: 'postmortem', rootCause: '凭据写在配置仓库中', impact: '1 个租户的接口可被调用约 2 小时', lessons: '', actions: 'x' })).statusCode).toBe(422);
    await ev({ kind: 'postmortem', rootCause: '凭据写在配置仓库中', impact: '1 个租户的接口可被调用约 2 小时', lessons: '密钥不得进入代码仓库', actions: '启用密钥扫描；季度轮换' });
    expect(((await ev({ kind: 'status', status: 'closed' })).json() as Incident).status).toBe('closed');

    // Notifying without a list reaches the recorded affected tenants.
    const inc2 = (await officer.post('/api/v1/platform/security/incidents', { title: '钓鱼邮件', severity: 'general', tenantIds: [B.tenantId] })).json() as Incident;
    expect((await officer.post(`/api/v1/platform/security/incidents/${inc2.id}/notify`, { message: '请提醒员工勿点击可疑链接并修改密码。' })).json()).toEqual({ notified: 1 });
    expect((await lastMailTo(env.dataDir, B.adminEmail, /安全事件通知/)).text).toContain('可疑链接');
    const full = await incidentOf(inc.id);
    expect(full.affectedTenants.map((t) => t.tenantId)).toEqual([B.tenantId]);
    expect(full.timeline.map((t) => t.kind)).toEqual(['created', 'tenants', 'tenants', 'resolution', 'status', 'postmortem', 'status']);
  });

  it('alerts: dismissing needs a reason (server-side), on both desks; mails link to pages that exist', async () => {
    const mallory = await addUser(env, B, 'mallory', ['viewer']);
    await env.ctx.db.tenant(B.tenantId, async (tx) => {
      for (let i = 0; i < 6; i++) {
        await audit.record(tx, { tenantId: B.tenantId, actor: { kind: 'tenant_user', id: mallory.userId, label: mallory.email }, action: 'contract.delete', outcome: 'denied', meta: { ip: '10.1.1.1' } });
      }
    });
    await scan();
    const alerts = ((await B.admin.get('/api/v1/security/alerts')).json() as { items: Array<{ id: string; rule: string }> }).items;
    const denial = alerts.find((a) => a.rule === 'repeated_denials')!;
    const noReason = await B.admin.post(`/api/v1/security/alerts/${denial.id}/dismiss`, {});
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().errors).toEqual([expect.objectContaining({ path: 'note', code: 'reason_required' })]);
    expect((await B.admin.post(`/api/v1/security/alerts/${denial.id}/dismiss`, { note: '   ' })).statusCode).toBe(422);
    expect((await officer.post(`/api/v1/platform/security/alerts/${B.tenantId}/${denial.id}/dismiss`, {})).statusCode).toBe(422);
    const ok = await officer.post(`/api/v1/platform/security/alerts/${B.tenantId}/${denial.id}/dismiss`, { note: '测试账号的误操作' });
    expect(ok.json()).toMatchObject({ status: 'dismissed', note: '测试账号的误操作' });

    const tenantMail = await lastMailTo(env.dataDir, B.adminEmail, /安全告警/);
    expect(tenantMail.text).toContain('http://pactum.test/tenant/security/center');
    const officerMail = await lastMailTo(env.dataDir, ADMIN.adminEmail, /安全告警/);
    expect(officerMail.text).toContain('http://pactum.test/platform/security/incidents');
    expect((await outbox(env.dataDir)).some((m) => (m.text ?? '').includes('/tenant/security/alerts'))).toBe(false);
  });

  it('anomaly settings per tenant: defaults, validation, thresholds and working hours applied to every access', async () => {
    const s = (await A.admin.get('/api/v1/security/anomaly-settings')).json() as { rules: Record<string, { threshold?: number }>; workingHours: { days: number[]; start: string; end: string } };
    expect(s.rules.mass_download!.threshold).toBe(20);
    expect(s.workingHours).toMatchObject({ days: [1, 2, 3, 4, 5, 6, 7], start: '07:00', end: '22:00' });

    const bad = await A.admin.request('PUT', '/api/v1/security/anomaly-settings', {
      rules: { mass_download: { enabled: true, threshold: 1, windowMinutes: 10 } },
      workingHours: { timeZone: 'Mars/Olympus', days: [1, 1], start: '18:00', end: '09:00' },
    });
    expect(bad.statusCode).toBe(422);
    expect((bad.json().errors as Array<{ path: string }>).map((e) => e.path).sort()).toEqual(['rules.mass_download.threshold', 'workingHours.days', 'workingHours.end', 'workingHours.timeZone'].sort());
    // A plain user cannot change them.
    const viewer = await addUser(env, A, 'zhao', ['viewer']);
    expect((await viewer.client.request('PUT', '/api/v1/security/anomaly-settings', { rules: {}, workingHours: s.workingHours })).statusCode).toBe(403);

    // The user's sign-in is scanned while the working-hours rule is off; then working hours that exclude
    // now (another weekday) and a lower download threshold apply to what the user does next.
    const allDay = { timeZone: null, days: [1, 2, 3, 4, 5, 6, 7], start: '07:00', end: '22:00' };
    expect((await A.admin.request('PUT', '/api/v1/security/anomaly-settings', { rules: { off_hours_access: { enabled: false } }, workingHours: allDay })).statusCode).toBe(200);
    await scan();
    const zone = 'Asia/Shanghai';
    const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short' }).format(new Date())) + 1;
    const otherDay = (weekday % 7) + 1;
    const put = await A.admin.request('PUT', '/api/v1/security/anomaly-settings', {
      rules: { mass_download: { enabled: true, threshold: 5, windowMinutes: 10 }, failed_logins: { enabled: false, threshold: 10, windowMinutes: 15 } },
      workingHours: { timeZone: zone, days: [otherDay], start: '09:00', end: '18:00' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ rules: { mass_download: { threshold: 5 }, failed_logins: { enabled: false }, off_hours_access: { enabled: true } }, workingHours: { timeZone: zone, days: [otherDay] } });

    // Five downloads by one user now raise mass_download, and the downloads (not a sign-in) are outside working hours.
    await env.ctx.db.tenant(A.tenantId, async (tx) => {
      for (let i = 0; i < 5; i++) {
        await audit.record(tx, { tenantId: A.tenantId, actor: { kind: 'tenant_user', id: viewer.userId, label: viewer.email }, action: 'contract.download', objectType: 'contract', objectId: `HT-${i}`, meta: { ip: '10.2.2.2' } });
      }
    });
    await scan();
    const alerts = ((await A.admin.get('/api/v1/security/alerts?status=open')).json() as { items: Array<{ rule: string; actor: { id: string | null }; summary: Record<string, unknown> }> }).items;
    const mine = alerts.filter((a) => a.actor.id === viewer.userId);
    expect(mine.map((a) => a.rule).sort()).toEqual(['mass_download', 'off_hours_access']);
    expect(mine.find((a) => a.rule === 'mass_download')!.summary).toMatchObject({ count: 5, windowMinutes: 10 });
    expect(mine.find((a) => a.rule === 'off_hours_access')!.summary).toMatchObject({ action: 'contract.download', timeZone: zone, weekday });
    // The change was audited.
    const log = await env.ctx.db.tenant(A.tenantId, (tx) => tx.query<{ action: string }>(`SELECT action FROM audit_events WHERE tenant_id = $1 AND action = 'security.anomaly_settings.update'`, [A.tenantId]));
    expect(log).toHaveLength(2); // the two saved changes; the refused PUT saved nothing
  });

  it('flags a sign-in from a new network (/24, /48), not from a known one, not the first ever', async () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    const sun = await addUser(env, B, 'sun', ['viewer']); // first sign-in (from a random 10.x address)
    await scan();
    const signIn = async (ip: string) => {
      const r = await new Client(env.app).post('/api/v1/auth/login', { email: sun.email, password: 'Blue-Lantern-Orbit-42' }, { 'x-forwarded-for': ip });
      expect(r.statusCode).toBe(200);
    };
    const newNetworkAlerts = async () =>
      ((await B.admin.get('/api/v1/security/alerts')).json() as { items: Array<{ rule: string; actor: { id: string }; summary: { network: string } }> }).items.filter((a) => a.rule === 'new_network' && a.actor.id === sun.userId);
    await signIn('198.51.100.20');
    await scan();
    expect((await newNetworkAlerts()).map((a) => a.summary.network)).toEqual(['198.51.100.0/24']);
    await signIn('198.51.100.99'); // same /24
    await scan();
    expect(await newNetworkAlerts()).toHaveLength(1);
    await signIn('2001:db8:abcd:12::1');
    await signIn('2001:db8:abcd:ff::2'); // same /48
    await scan();
    expect((await newNetworkAlerts()).map((a) => a.summary.network).sort()).toEqual(['198.51.100.0/24', '2001:db8:abcd::/48']);
  });

  it('training gates a risky permission: refused with the course named and recorded, allowed once the course is passed', async () => {
    const auditor = await addUser(env, B, 'qian', ['auditor']);
    const course = (await B.admin.post('/api/v1/security/training/courses', {
      title: '数据保护基础',
      content: '个人信息与合同数据的处理规范。',
      passScore: 100,
      questions: [{ question: '导出的合同数据可以发到个人邮箱吗？', options: ['可以', '不可以'], answer: 1 }],
    })).json() as { id: string };
    const put = (gates: unknown) => B.admin.request('PUT', '/api/v1/security/training/gates', { gates });
    expect((await put([{ permission: 'contracts.fly', courseId: course.id }])).statusCode).toBe(422);
    expect((await put([{ permission: 'audit.view', courseId: '00000000-0000-4000-8000-000000000002' }])).statusCode).toBe(422);
    const saved = await put([
      { permission: 'audit.view', courseId: course.id },
      { permission: 'contracts.view', courseId: course.id },
    ]);
    expect(saved.statusCode).toBe(200);
    expect(((await B.admin.get('/api/v1/security/training/gates')).json() as { items: Array<{ permission: string; course: string }> }).items).toEqual([
      expect.objectContaining({ permission: 'audit.view', course: '数据保护基础' }),
      expect.objectContaining({ permission: 'contracts.view', course: '数据保护基础' }),
    ]);

    // Route guard path (requirePermission) and a module's own decision path (contracts) both refuse.
    const denied = await auditor.client.get('/api/v1/access/denials');
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'training_required' });
    expect(denied.json().detail).toContain('《数据保护基础》');
    const en = await auditor.client.get('/api/v1/access/denials', { 'accept-language': 'en' });
    expect(en.json().detail).toContain('Complete the security training “数据保护基础”');
    const list = await auditor.client.get('/api/v1/contracts');
    expect(list.statusCode).toBe(403);
    expect(list.json().code).toBe('training_required');
    const me = (await auditor.client.get('/api/v1/access/me')).json() as { permissions: string[]; trainingRequired: Array<{ permission: string; course: string }> };
    expect(me.permissions).not.toContain('audit.view');
    expect(me.trainingRequired.map((t) => t.permission).sort()).toEqual(['audit.view', 'contracts.view']);
    // Recorded as denials.
    const denials = await env.ctx.db.tenant(B.tenantId, (tx) => tx.query<{ reason: string; permission: string }>(`SELECT reason, permission FROM denials WHERE tenant_id = $1 AND user_id = $2`, [B.tenantId, auditor.userId]));
    expect([...new Set(denials.map((d) => `${d.permission}:${d.reason}`))].sort()).toEqual(['audit.view:training_required', 'contracts.view:training_required']);

    // Assigned, failed, then passed: the permission comes back at once.
    await B.admin.post(`/api/v1/security/training/courses/${course.id}/assign`, { userIds: [auditor.userId], dueAt: new Date(Date.now() + 7 * 86400_000).toISOString() });
    const mine = (await auditor.client.get('/api/v1/security/training/mine')).json() as { items: Array<{ id: string }> };
    expect((await auditor.client.post(`/api/v1/security/training/assignments/${mine.items[0]!.id}/attempt`, { answers: [0] })).json()).toMatchObject({ passed: false });
    expect((await auditor.client.get('/api/v1/access/denials')).statusCode).toBe(403);
    expect((await auditor.client.post(`/api/v1/security/training/assignments/${mine.items[0]!.id}/attempt`, { answers: [1] })).json()).toMatchObject({ passed: true });
    expect((await auditor.client.get('/api/v1/access/denials')).statusCode).toBe(200);
    expect((await auditor.client.get('/api/v1/contracts')).statusCode).toBe(200);
    expect(((await auditor.client.get('/api/v1/access/me')).json() as { trainingRequired: unknown[] }).trainingRequired).toEqual([]);
  });

  it('checkpoints: sent to syslog (RFC 5424 over UDP); a deleted or cut checkpoint file is reported', async () => {
    const server = dgram.createSocket('udp4');
    const received: string[] = [];
    server.on('message', (m) => received.push(m.toString('utf8')));
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const port = server.address().port;
    try {
      await env.ctx.db.tenant(A.tenantId, (tx) => audit.record(tx, { tenantId: A.tenantId, actor: { kind: 'system', label: 'test' }, action: 'test.event' }));
      const store = new CheckpointStore(env.dataDir, `udp://127.0.0.1:${port}`);
      const r = await writeCheckpoints(env.ctx, store);
      expect(r.written).toBeGreaterThan(0);
      expect(r.syslog).toBe('sent');
      for (let i = 0; i < 50 && received.length < r.written; i++) await new Promise((res) => setTimeout(res, 20));
      const line = received.find((m) => m.includes(`chain="${A.tenantId}"`))!;
      expect(line).toMatch(/^<110>1 \d{4}-\d\d-\d\dT[\d:.]+Z \S+ pactum \d+ audit-checkpoint \[pactum@32473 chain="[0-9a-f-]+" seq="\d+" hash="[0-9a-f]{64}" keyId="[0-9a-f]{16}"\] \{/);
      const cp = JSON.parse(line.slice(line.indexOf('] ') + 2)) as { chain: string; seq: number; sig: string };
      expect(cp.chain).toBe(A.tenantId);
      expect(cp.sig.length).toBeGreaterThan(40);
    } finally {
      server.close();
    }
    expect(formatRfc5424({ msg: 'x', structured: { id: 'a@1', params: { v: 'q"]\\' } }, msgId: 'm' })).toContain('v="q\\"\\]\\\\"');

    const store = new CheckpointStore(env.dataDir);
    expect(await verifyChain(env.ctx, store, A.tenantId)).toMatchObject({ ok: true });
    const file = path.join(env.dataDir, 'audit-checkpoints', `${A.tenantId}.jsonl`);
    const content = fs.readFileSync(file, 'utf8');
    fs.rmSync(file);
    expect(await verifyChain(env.ctx, store, A.tenantId)).toMatchObject({ ok: false, reason: 'checkpoint_missing' });
    // The API reports it too (tenant admin verifying the own chain).
    const api = (await A.admin.get('/api/v1/security/audit/verify')).json() as { ok: boolean; chains: Array<{ reason?: string }> };
    expect(api).toMatchObject({ ok: false, chains: [{ reason: 'checkpoint_missing' }] });
    // A file cut back to an older checkpoint is reported as well.
    fs.writeFileSync(file, content);
    await env.ctx.db.tenant(A.tenantId, (tx) => audit.record(tx, { tenantId: A.tenantId, actor: { kind: 'system', label: 'test' }, action: 'test.event' }));
    await writeCheckpoints(env.ctx, store);
    expect(await verifyChain(env.ctx, store, A.tenantId)).toMatchObject({ ok: true });
    fs.writeFileSync(file, content);
    expect(await verifyChain(env.ctx, store, A.tenantId)).toMatchObject({ ok: false, reason: 'checkpoint_missing' });
  });

  it('syslog over TCP frames each message by octet counting (RFC 6587); bad URLs are refused', async () => {
    let data = '';
    const server = net.createServer((sock) => sock.on('data', (d) => (data += d.toString('utf8'))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await sendSyslog(parseSyslogUrl(`tcp://127.0.0.1:${port}`), [{ msg: '检查点 1', msgId: 'audit-checkpoint' }, { msg: 'second' }]);
      await expect.poll(() => data).toMatch(/^\d+ <110>1 .* second$/s);
      const first = /^(\d+) /.exec(data)!;
      const len = Number(first[1]);
      const frame = Buffer.from(data, 'utf8').subarray(first[0].length, first[0].length + len).toString('utf8');
      expect(frame).toMatch(/audit-checkpoint - 检查点 1$/);
    } finally {
      server.close();
    }
    expect(() => parseSyslogUrl('http://127.0.0.1:514')).toThrow(/udp:\/\/ or tcp:\/\//);
    await expect(sendSyslog(parseSyslogUrl('tcp://127.0.0.1:1'), [{ msg: 'x' }])).rejects.toThrow();
  });

  it('retention: keeps events at least the period in force; prunes only whole checkpointed segments, archived, and verification continues from the signed anchor', async () => {
    const C = await seedTenant(env, '长江制造');
    const D = await seedTenant(env, '珠江设计');
    const sys = { kind: 'system' as const, label: 'test' };
    // Events of 200 days ago (then today's) in both chains; D keeps its log 400 days.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(Date.now() - 200 * 86400_000));
    for (const t of [C, D]) await env.ctx.db.tenant(t.tenantId, async (tx) => { for (let i = 0; i < 5; i++) await audit.record(tx, { tenantId: t.tenantId, actor: sys, action: 'contract.view', objectId: `HT-${i}` }); });
    vi.useRealTimers();
    for (const t of [C, D]) await env.ctx.db.tenant(t.tenantId, async (tx) => { for (let i = 0; i < 2; i++) await audit.record(tx, { tenantId: t.tenantId, actor: sys, action: 'contract.view', objectId: `HT-new-${i}` }); });
    await env.ctx.db.tenant(D.tenantId, (tx) => tx.execute(`INSERT INTO security_policies (tenant_id, audit_retention_days) VALUES ($1, 400)`, [D.tenantId]));

    // Not checkpointed yet: nothing is pruned.
    const store = new CheckpointStore(env.dataDir);
    expect((await applyRetention(env.ctx, store)).chains.filter((c) => ([C.tenantId, D.tenantId] as string[]).includes(c.chain))).toEqual([]);
    await writeCheckpoints(env.ctx, store);
    // The database refuses to prune young rows, whatever the caller asks.
    await expect(env.ctx.db.platform(async (tx) => {
      await tx.actAsTenant(C.tenantId);
      await tx.execute(`INSERT INTO audit_anchors (tenant_id, seq, hash, at, key_id, sig, archive, pruned_rows, retention_days) SELECT tenant_id, seq, hash, now(), 'k', 's', 'x', 7, 180 FROM audit_events WHERE tenant_id = $1 AND seq = 7`, [C.tenantId]);
      await tx.one(`SELECT app_audit_prune($1, 7, 180)`, [C.tenantId]);
    })).rejects.toThrow(/younger than 180 days/);

    const r = await applyRetention(env.ctx, store);
    expect(r.chains.filter((c) => ([C.tenantId, D.tenantId] as string[]).includes(c.chain))).toEqual([expect.objectContaining({ chain: C.tenantId, pruned: 5, upto: 5, retentionDays: 180 })]);
    const seqs = await env.ctx.db.tenant(C.tenantId, (tx) => tx.query<{ seq: number; action: string }>(`SELECT seq, action FROM audit_events WHERE tenant_id = $1 ORDER BY seq`, [C.tenantId]));
    expect(seqs.map((x) => [Number(x.seq), x.action])).toEqual([[6, 'contract.view'], [7, 'contract.view'], [8, 'audit.retention.prune']]);
    const archive = fs.readFileSync(path.join(env.dataDir, r.chains.find((c) => c.chain === C.tenantId)!.archive), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; object_id: string });
    expect(archive.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5]);
    // D (400 days) keeps everything.
    expect((await env.ctx.db.tenant(D.tenantId, (tx) => tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1`, [D.tenantId]))).n).toBe(7);

    // The chain still verifies, from the signed anchor; a forged anchor is reported.
    await writeCheckpoints(env.ctx, store);
    expect(await verifyChain(env.ctx, store, C.tenantId)).toMatchObject({ ok: true, count: 3, anchor: { seq: 5 } });
    expect((await A.admin.get('/api/v1/security/audit/retention')).json()).toMatchObject({ retentionDays: 180, lastPruned: null });
    expect(await verifyChain(env.ctx, store, D.tenantId)).toMatchObject({ ok: true, count: 7 });
    await env.ctx.db.platform(async (tx) => {
      await tx.actAsTenant(C.tenantId);
      await tx.execute(`INSERT INTO audit_anchors (tenant_id, seq, hash, at, key_id, sig, archive, pruned_rows, retention_days) SELECT tenant_id, seq, hash, now(), 'forged', 'AAAA', 'x', 0, 180 FROM audit_events WHERE tenant_id = $1 AND seq = 7`, [C.tenantId]);
    });
    expect(await verifyChain(env.ctx, store, C.tenantId)).toMatchObject({ ok: false, reason: 'anchor_signature_invalid' });
  });
});
