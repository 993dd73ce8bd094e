import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestEnv, type TestEnv } from './helpers.js';
import { asSystem, contractInput, fixtureFile, fixtures, inDays, makeTenant, ok, signedContract, upload, type TestTenant, type UserClient } from './contracts-helpers.js';

/**
 * contracts.delete_draft (DELETE /api/v1/contracts/:id) and analytics.view (GET /api/v1/contract-analytics):
 * the two catalogued actions that had no enforcement point (docs/contracts.md).
 */
describe('contracts: deleting drafts and the analytics of the dashboard', () => {
  let env: TestEnv;
  let A: TestTenant;
  let manager: UserClient;
  let approver: UserClient;
  let signer: UserClient;
  let viewer: UserClient;
  let admin: UserClient;

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    A = await makeTenant(env, '上海浦东发展银行股份有限公司', '9131000013221158XC');
    manager = await A.user(['contract_manager'], '王经办');
    approver = await A.user(['approver'], '赵审批');
    signer = await A.user(['signer'], '孙签署');
    viewer = await A.user(['viewer'], '钱查看');
    admin = await A.user(['tenant_admin'], '管理员');
  });
  afterAll(async () => env?.close());

  it('deletes a draft with its versions, attachments (and their encrypted files); the audit log keeps the record', async () => {
    const c = ok<{ id: string; number: string }>(await manager.post('/api/v1/contracts', contractInput(0)), 201);
    ok(await manager.request('PATCH', `/api/v1/contracts/${c.id}`, { body: `${fixtureFile(fixtures.contracts[0]!.files.text).toString('utf8')}\n第十条 补充条款`, note: '补充' }));
    ok(await upload(manager, 'POST', `/api/v1/contracts/${c.id}/attachments`, '报价单.pdf', fixtureFile(fixtures.contracts[0]!.files.pdf)), 201);
    const blob = await asSystem(env, A.id, (tx) => tx.one<{ blob_id: string }>(`SELECT blob_id FROM contract_attachments WHERE contract_id = $1`, [c.id]));
    const file = env.ctx.blobs.pathOf({ tenantId: A.id }, blob.blob_id);
    expect(fs.existsSync(file)).toBe(true);

    const del = ok<{ deleted: boolean; number: string }>(await manager.request('DELETE', `/api/v1/contracts/${c.id}`));
    expect(del).toMatchObject({ deleted: true, number: c.number });
    expect((await manager.get(`/api/v1/contracts/${c.id}`)).statusCode).toBe(404);
    expect(ok<{ items: Array<{ id: string }> }>(await manager.get('/api/v1/contracts')).items.map((x) => x.id)).not.toContain(c.id);
    const left = await asSystem(env, A.id, (tx) =>
      tx.one<{ c: number; v: number; a: number }>(
        `SELECT (SELECT count(*)::int FROM contracts WHERE id = $1) AS c, (SELECT count(*)::int FROM contract_versions WHERE contract_id = $1) AS v,
                (SELECT count(*)::int FROM contract_attachments WHERE contract_id = $1) AS a`,
        [c.id],
      ),
    );
    expect(left).toEqual({ c: 0, v: 0, a: 0 });
    expect(fs.existsSync(file)).toBe(false);
    const ev = await env.ctx.db.tenant(A.id, (tx) =>
      tx.one<{ actor_id: string; details: { number: string; title: string; versions: number; attachments: number } }>(
        `SELECT actor_id, details FROM audit_events WHERE action = 'contract.delete_draft' AND object_id = $1`,
        [c.id],
      ),
    );
    expect(ev.actor_id).toBe(manager.id);
    expect(ev.details).toMatchObject({ number: c.number, title: fixtures.contracts[0]!.title, versions: 2, attachments: 1 });
  });

  it('deletes a returned draft (approval decisions included) but refuses anything past draft (409)', async () => {
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(1)), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    const busy = await manager.request('DELETE', `/api/v1/contracts/${c.id}`, undefined, { 'accept-language': 'en' });
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'contract_not_draft', detail: expect.stringContaining('withdraw') });
    ok(await approver.post(`/api/v1/contracts/${c.id}/return`, { comment: '请补充付款条件' }));
    expect(ok<{ status: string }>(await manager.get(`/api/v1/contracts/${c.id}`)).status).toBe('returned');
    ok(await manager.request('DELETE', `/api/v1/contracts/${c.id}`));
    const rows = await asSystem(env, A.id, (tx) =>
      tx.one<{ a: number; d: number }>(
        `SELECT (SELECT count(*)::int FROM contract_approvals WHERE contract_id = $1) AS a,
                (SELECT count(*)::int FROM approval_decisions d JOIN contract_approvals x ON x.tenant_id = d.tenant_id AND x.id = d.approval_id WHERE x.contract_id = $1) AS d`,
        [c.id],
      ),
    );
    expect(rows).toEqual({ a: 0, d: 0 });

    const signed = await signedContract(env, manager, approver, signer, contractInput(2));
    const refused = await manager.request('DELETE', `/api/v1/contracts/${signed}`);
    expect(refused.statusCode).toBe(409);
    expect(ok<{ status: string }>(await manager.get(`/api/v1/contracts/${signed}`)).status).toBe('signed');
  });

  it('needs contracts.delete_draft (403, recorded), and a draft outside the data scope is a 404', async () => {
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', { ...contractInput(0), sensitivity: 'confidential' }), 201);
    const v = await viewer.request('DELETE', `/api/v1/contracts/${c.id}`);
    expect(v.statusCode).toBe(403);
    expect(v.json()).toMatchObject({ code: 'permission_denied' });
    const denial = await env.ctx.db.tenant(A.id, (tx) => tx.maybeOne(`SELECT 1 FROM denials WHERE user_id = $1 AND permission = 'contracts.delete_draft' AND object_id = $2`, [viewer.id, c.id]));
    expect(denial).toBeTruthy();
    const lowManager = await A.user(['contract_manager'], '低密级经办', { clearance: 'internal' });
    expect((await lowManager.request('DELETE', `/api/v1/contracts/${c.id}`)).statusCode).toBe(404);
    // The app role still cannot delete versions directly (append-only), only through the checked function.
    await expect(asSystem(env, A.id, (tx) => tx.execute(`DELETE FROM contract_versions WHERE contract_id = $1`, [c.id]))).rejects.toThrow();
    // And the function refuses a contract that is not a draft of the caller's tenant.
    const other = await makeTenant(env, '招商银行股份有限公司', '9144030010001686XA');
    await expect(asSystem(env, other.id, (tx) => tx.query(`SELECT app_purge_draft_history($1)`, [c.id]))).rejects.toThrow();
    expect(ok<{ status: string }>(await manager.get(`/api/v1/contracts/${c.id}`)).status).toBe('draft');
  });

  it('analytics (amount by month and by type) need analytics.view and the analytics module; counts stay under contracts.view', async () => {
    const signedId = await signedContract(env, manager, approver, signer, { ...contractInput(1), sensitivity: 'internal' });
    const secretId = await signedContract(env, manager, approver, signer, { ...contractInput(0), sensitivity: 'confidential' });
    // The analytics module is not in the trial entitlements.
    const off = await admin.get('/api/v1/contract-analytics');
    expect(off.statusCode).toBe(403);
    expect(off.json().code).toBe('module_not_entitled');
    const dash = ok<Record<string, unknown>>(await admin.get('/api/v1/contract-dashboard'));
    expect(dash).not.toHaveProperty('amountByMonth');
    expect((dash.byStatus as Record<string, number>).signed).toBeGreaterThanOrEqual(3);

    await env.services.access.setEntitlements({ kind: 'system', label: 'test' }, A.id, { modules: ['drafting', 'approval', 'signing', 'archiving', 'analytics'], seatLimit: 20, tier: 'confidential', reason: '开通分析' }, {});
    const month = inDays(0).slice(0, 7); // signing dates default to the sealing day (tenant zone)
    const a = ok<{ amountByMonth: Array<{ month: string; amountFen: number; count: number }>; amountByType: Array<{ type: string; amountFen: number }> }>(await admin.get('/api/v1/contract-analytics'));
    const total = a.amountByMonth.reduce((n, r) => n + r.amountFen, 0);
    const expected = fixtures.contracts[2]!.amountFen + fixtures.contracts[1]!.amountFen + fixtures.contracts[0]!.amountFen;
    expect(total).toBe(expected);
    expect(a.amountByType.reduce((n, r) => n + r.amountFen, 0)).toBe(expected);
    expect(a.amountByMonth.map((r) => r.month)).toEqual([month]);
    // The sums respect the data scope: a user below "confidential" does not see that contract's amount.
    const lowAdmin = await A.user(['tenant_admin'], '低密级分析', { clearance: 'internal' });
    const low = ok<{ amountByMonth: Array<{ amountFen: number }> }>(await lowAdmin.get('/api/v1/contract-analytics'));
    expect(low.amountByMonth.reduce((n, r) => n + r.amountFen, 0)).toBe(expected - fixtures.contracts[0]!.amountFen);
    // Roles without analytics.view: viewers, approvers; and the contract manager, whose role was made before the
    // module was entitled (adding a module back does not silently re-grant it, docs/access.md).
    for (const u of [viewer, approver, manager]) {
      const r = await u.get('/api/v1/contract-analytics');
      expect(r.statusCode).toBe(403);
      expect(r.json().code).toBe('permission_denied');
      expect(ok<{ byStatus: Record<string, number> }>(await u.get('/api/v1/contract-dashboard')).byStatus).toBeTruthy();
    }
    expect([signedId, secretId]).toHaveLength(2);
  });
});
