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

  it('applies the scope: "own" sees only own (and public) contracts, "department" sees its department', async () => {
    expect(ok<{ total: number }>(await own.get('/api/v1/contracts')).total).toBe(0);
    expect((await own.get(`/api/v1/contracts/${secret.id}`)).statusCode).toBe(404);
    const pub = ok<{ id: string }>(await manager.post('/api/v1/contracts', { ...contractInput(2), sensitivity: 'public' }), 201);
    expect(ok<{ items: Array<{ id: string }> }>(await own.get('/api/v1/contracts')).items.map((c) => c.id)).toEqual([pub.id]);
    const d = ok<{ items: Array<{ id: string }> }>(await deptViewer.get('/api/v1/contracts'));
    expect(d.items.map((c) => c.id).sort()).toEqual([pub.id, secret.id].sort());
    expect((await deptViewer.get(`/api/v1/contracts/${secret.id}/sealed.pdf`)).statusCode).toBe(200);
    expect((await deptViewer.get(`/api/v1/contracts/${plain.id}`)).statusCode).toBe(404);
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
