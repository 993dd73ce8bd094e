import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestEnv, type TestEnv } from './helpers.js';
import { asSystem, contractInput, fixtureFile, fixtures, makeTenant, ok, signedContract, upload, type TestTenant, type UserClient } from './contracts-helpers.js';

/**
 * Data levels on contracts (docs/access.md): the RLS policy `contracts_level` (app_can_see) and the child-table
 * policies make a contract above the caller's clearance, or outside their scope, absent from every read path.
 */
describe('contracts: data levels (clearance, scope, tier cap) on every read path', () => {
  let env: TestEnv;
  let A: TestTenant;
  let manager: UserClient;
  let approver: UserClient;
  let signer: UserClient;
  let high: UserClient; // viewer, clearance confidential, scope tenant
  let low: UserClient; // viewer, clearance internal, scope tenant
  let own: UserClient; // viewer, clearance confidential, scope own
  let deptViewer: UserClient; // viewer, clearance confidential, scope department (法务部)
  let lowManager: UserClient; // contract manager with clearance internal
  let dept: string;
  let secret: { id: string; number: string }; // confidential, in 法务部, with an attachment, signed (sealed PDF)
  let plain: { id: string };
  let attachmentId: string;
  const SECRET_TITLE = '机密并购协议';
  const SECRET_WORD = '鲲鹏计划';

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    A = await makeTenant(env, '腾讯科技（深圳）有限公司', '91440300708461136T');
    const admin = await A.user(['tenant_admin'], '管理员');
    dept = ok<{ id: string }>(await admin.post('/api/v1/access/departments', { name: '法务部' }), 201).id;
    manager = await A.user(['contract_manager'], '李娜');
    approver = await A.user(['approver'], '周审批');
    signer = await A.user(['signer'], '马签署');
    high = await A.user(['viewer'], '高密级');
    low = await A.user(['viewer'], '低密级', { clearance: 'internal' });
    own = await A.user(['viewer'], '仅本人', { scope: 'own' });
    deptViewer = await A.user(['viewer'], '法务查看', { scope: 'department', departmentId: dept });
    lowManager = await A.user(['contract_manager'], '低密级经办', { clearance: 'internal' });

    // An attachment on the confidential contract, added while it is a draft (attachments are locked once signed).
    const id = await signedContract(env, manager, approver, signer, {
      ...contractInput(0),
      title: SECRET_TITLE,
      sensitivity: 'confidential',
      departmentId: dept,
      body: `${fixtureFile(fixtures.contracts[0]!.files.text).toString('utf8')}\n本合同属于${SECRET_WORD}。`,
    }, async (draftId) => {
      attachmentId = ok<{ id: string }>(await upload(manager, 'POST', `/api/v1/contracts/${draftId}/attachments`, '附件.pdf', fixtureFile(fixtures.contracts[0]!.files.pdf)), 201).id;
    });
    secret = ok<{ id: string; number: string }>(await manager.get(`/api/v1/contracts/${id}`));
    plain = ok<{ id: string }>(await manager.post('/api/v1/contracts', { ...contractInput(1), sensitivity: 'internal' }), 201);
  });
  afterAll(async () => env?.close());

  const paths = () => [
    `/api/v1/contracts/${secret.id}`,
    `/api/v1/contracts/${secret.id}/versions`,
    `/api/v1/contracts/${secret.id}/versions/1`,
    `/api/v1/contracts/${secret.id}/diff?from=1&to=1`,
    `/api/v1/contracts/${secret.id}/audit`,
    `/api/v1/contracts/${secret.id}/attachments/${attachmentId}`,
    `/api/v1/contracts/${secret.id}/sealed.pdf`,
  ];

  it('shows a confidential contract to a cleared user on every read path', async () => {
    for (const p of paths()) expect((await high.get(p)).statusCode, p).toBe(200);
    const list = ok<{ items: Array<{ id: string }>; total: number }>(await high.get('/api/v1/contracts'));
    expect(list.items.map((c) => c.id)).toContain(secret.id);
    expect(list.total).toBe(2);
    expect(ok<{ items: Array<{ id: string }> }>(await high.get(`/api/v1/contracts?q=${encodeURIComponent(SECRET_TITLE)}`)).items.map((c) => c.id)).toEqual([secret.id]);
    expect(ok<{ items: Array<{ id: string }> }>(await high.get(`/api/v1/contracts?q=${encodeURIComponent(SECRET_WORD)}`)).items.map((c) => c.id)).toEqual([secret.id]);
    expect(ok<{ byStatus: Record<string, number> }>(await high.get('/api/v1/contract-dashboard')).byStatus).toEqual({ signed: 1, draft: 1 });
  });

  it('hides it from a user below its level: lists, search by title and body, dashboard counts, and by id (404)', async () => {
    const list = ok<{ items: Array<{ id: string }>; total: number }>(await low.get('/api/v1/contracts'));
    expect(list.items.map((c) => c.id)).toEqual([plain.id]);
    expect(list.total).toBe(1);
    expect(ok<{ total: number }>(await low.get(`/api/v1/contracts?q=${encodeURIComponent(SECRET_TITLE)}`)).total).toBe(0);
    expect(ok<{ total: number }>(await low.get(`/api/v1/contracts?q=${encodeURIComponent(SECRET_WORD)}`)).total).toBe(0);
    expect(ok<{ total: number }>(await low.get(`/api/v1/contracts?q=${encodeURIComponent(secret.number)}`)).total).toBe(0);
    expect(ok<{ byStatus: Record<string, number> }>(await low.get('/api/v1/contract-dashboard')).byStatus).toEqual({ draft: 1 });
    for (const p of paths()) {
      const r = await low.get(p);
      expect(r.statusCode, p).toBe(404);
      expect(r.body).not.toContain(SECRET_TITLE);
    }
  });

  it('applies the scope at every level: "own" sees only own contracts (not even public ones), "department" its department', async () => {
    expect(ok<{ total: number }>(await own.get('/api/v1/contracts')).total).toBe(0);
    expect((await own.get(`/api/v1/contracts/${secret.id}`)).statusCode).toBe(404);
    // A public contract outside the department: public is a level, not a scope — "own" and "department" do not see it.
    const pub = ok<{ id: string }>(await manager.post('/api/v1/contracts', { ...contractInput(2), sensitivity: 'public' }), 201);
    const pubLegal = ok<{ id: string }>(await manager.post('/api/v1/contracts', { ...contractInput(0), title: '法务部公开采购公告', sensitivity: 'public', departmentId: dept }), 201);
    expect(ok<{ total: number }>(await own.get('/api/v1/contracts')).total).toBe(0);
    expect((await own.get(`/api/v1/contracts/${pub.id}`)).statusCode).toBe(404);
    const d = ok<{ items: Array<{ id: string }>; total: number }>(await deptViewer.get('/api/v1/contracts'));
    expect(d.items.map((c) => c.id).sort()).toEqual([pubLegal.id, secret.id].sort());
    expect(d.total).toBe(2);
    expect((await deptViewer.get(`/api/v1/contracts/${secret.id}/sealed.pdf`)).statusCode).toBe(200);
    expect((await deptViewer.get(`/api/v1/contracts/${plain.id}`)).statusCode).toBe(404);
    expect((await deptViewer.get(`/api/v1/contracts/${pub.id}`)).statusCode).toBe(404);
    // Tenant scope sees both public contracts.
    expect(ok<{ total: number }>(await high.get('/api/v1/contracts')).total).toBe(4);
  });

  it('exports (CSV) only what the caller may see: the hidden contract is absent and the row count matches the list', async () => {
    const rowsOf = (csv: string) => csv.replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
    const exportAs = async (c: UserClient, query = '') => {
      const r = await c.get(`/api/v1/contracts/export?format=csv${query}`);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.headers['content-type']).toContain('text/csv');
      expect(r.body.startsWith('\uFEFF')).toBe(true);
      return r.body;
    };
    const highAdmin = await A.user(['tenant_admin'], '导出管理员');
    const lowAdmin = await A.user(['tenant_admin'], '导出低密级', { clearance: 'internal' });
    const ownAdmin = await A.user(['tenant_admin'], '导出仅本人', { scope: 'own' });
    const all = await exportAs(highAdmin);
    expect(all).toContain(SECRET_TITLE);
    expect(all).toContain(secret.number);
    expect(rowsOf(all)).toHaveLength(ok<{ total: number }>(await highAdmin.get('/api/v1/contracts')).total);
    const lowCsv = await exportAs(lowAdmin);
    expect(lowCsv).not.toContain(SECRET_TITLE);
    expect(lowCsv).not.toContain(secret.number);
    expect(rowsOf(lowCsv)).toHaveLength(ok<{ total: number }>(await lowAdmin.get('/api/v1/contracts')).total);
    // The same filters as the list: a search for the secret word finds it only for the cleared user.
    expect(rowsOf(await exportAs(highAdmin, `&q=${encodeURIComponent(SECRET_WORD)}`))).toHaveLength(1);
    expect(rowsOf(await exportAs(lowAdmin, `&q=${encodeURIComponent(SECRET_WORD)}`))).toHaveLength(0);
    expect(rowsOf(await exportAs(ownAdmin))).toHaveLength(0);
    // Viewers hold no data.export.
    const v = await high.get('/api/v1/contracts/export?format=csv');
    expect(v.statusCode).toBe(403);
    expect(v.json().code).toBe('permission_denied');
    const audited = await env.ctx.db.tenant(A.id, (tx) =>
      tx.query<{ rows: number }>(`SELECT (details->>'rows')::int AS rows FROM audit_events WHERE action = 'contract.export' AND actor_id = $1 ORDER BY seq`, [lowAdmin.id]),
    );
    expect(audited.map((a) => a.rows)).toEqual([rowsOf(lowCsv).length, 0]);
  });

  it('records a direct-id read of a hidden contract as a denial (level_or_scope) while still answering a plain 404', async () => {
    const before = await env.ctx.db.tenant(A.id, (tx) => tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM denials WHERE reason = 'level_or_scope'`));
    const hidden = await low.get(`/api/v1/contracts/${secret.id}`, { 'accept-language': 'en' });
    const missing = await low.get(`/api/v1/contracts/${crypto.randomUUID()}`, { 'accept-language': 'en' });
    expect(hidden.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    // Nothing in the answer tells an existing hidden contract from one that does not exist.
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    expect(strip(hidden.json())).toEqual(strip(missing.json()));
    const rows = await env.ctx.db.tenant(A.id, (tx) =>
      tx.query<{ user_id: string; level: string; reason: string; object_id: string; ip: string | null }>(
        `SELECT user_id, level, reason, object_id, ip FROM denials WHERE reason = 'level_or_scope' ORDER BY occurred_at`,
      ),
    );
    expect(rows.length).toBe(before.n + 1);
    expect(rows.at(-1)).toMatchObject({ user_id: low.id, level: 'confidential', reason: 'level_or_scope', object_id: secret.id });
    // Scope, not only level: "own" probing a contract of the tenant is recorded too.
    expect((await own.get(`/api/v1/contracts/${plain.id}/versions`)).statusCode).toBe(404);
    const ownRow = await env.ctx.db.tenant(A.id, (tx) => tx.maybeOne<{ level: string }>(`SELECT level FROM denials WHERE reason = 'level_or_scope' AND user_id = $1 AND object_id = $2`, [own.id, plain.id]));
    expect(ownRow?.level).toBe('internal');
    const events = await env.ctx.db.tenant(A.id, (tx) =>
      tx.query(`SELECT 1 FROM audit_events WHERE action = 'access.denied' AND outcome = 'denied' AND object_id = $1 AND details->>'reason' = 'level_or_scope'`, [secret.id]),
    );
    expect(events.length).toBeGreaterThan(0);
    // The tenant's over-reach view (denials list) shows the probe.
    const admin = await A.user(['tenant_admin'], '审计管理员');
    const listed = ok<{ items: Array<{ reason: string; objectId: string | null }> }>(await admin.get('/api/v1/access/denials'));
    expect(listed.items.some((d) => d.reason === 'level_or_scope' && d.objectId === secret.id)).toBe(true);
  });

  it('refuses creating or raising a contract above the clearance or the tenant tier (422 on sensitivity, recorded)', async () => {
    const r = await lowManager.post('/api/v1/contracts', { ...contractInput(0), sensitivity: 'confidential' });
    expect(r.statusCode).toBe(422);
    expect(r.json().errors[0].path).toBe('sensitivity');
    expect(r.json().errors[0].code).toBe('level_above_clearance');
    // The tenant tier (confidential by default) caps even a manager with a higher stored clearance.
    const tier = await manager.post('/api/v1/contracts', { ...contractInput(0), sensitivity: 'restricted' });
    expect(tier.statusCode).toBe(422);
    expect(tier.json().errors[0].path).toBe('sensitivity');
    const mine = ok<{ id: string }>(await lowManager.post('/api/v1/contracts', { ...contractInput(0), sensitivity: 'internal' }), 201);
    const raise = await lowManager.request('PATCH', `/api/v1/contracts/${mine.id}`, { sensitivity: 'confidential' });
    expect(raise.statusCode).toBe(422);
    expect(ok<{ sensitivity: string }>(await lowManager.get(`/api/v1/contracts/${mine.id}`)).sensitivity).toBe('internal');
    const denials = await env.ctx.db.tenant(A.id, (tx) => tx.query<{ level: string }>(`SELECT level FROM denials WHERE reason = 'level_above_clearance' ORDER BY occurred_at`));
    expect(denials.map((d) => d.level)).toEqual(['confidential', 'restricted', 'confidential']);
  });

  it('fails closed: a tenant transaction without a data scope sees no contract and no child row', async () => {
    const counts = await env.ctx.db.tenant(A.id, (tx) =>
      tx.one<{ c: number; v: number; a: number; s: number }>(
        `SELECT (SELECT count(*)::int FROM contracts) AS c, (SELECT count(*)::int FROM contract_versions) AS v,
                (SELECT count(*)::int FROM contract_attachments) AS a, (SELECT count(*)::int FROM contract_signers) AS s`,
      ),
    );
    expect(counts).toEqual({ c: 0, v: 0, a: 0, s: 0 });
    // The explicit system scope (trusted internal flows) sees them, and is audited.
    const sys = await asSystem(env, A.id, (tx) => tx.one<{ c: number }>(`SELECT count(*)::int AS c FROM contracts`));
    expect(sys.c).toBeGreaterThanOrEqual(3);
    const audited = await env.ctx.db.tenant(A.id, (tx) => tx.query(`SELECT 1 FROM audit_events WHERE action = 'access.system_scope' AND details->>'reason' = 'test'`));
    expect(audited.length).toBeGreaterThan(0);
  });
});
