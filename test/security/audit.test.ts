import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, createTestEnv, type TestEnv } from '../helpers.js';
import { audit } from '../../src/platform/audit.js';
import { PASSWORD, seedTenant } from './helpers.js';
import { CheckpointStore, auditVerifyReport } from '../../src/modules/security/checkpoints.js';

/**
 * Tampering needs the table owner: the app role cannot UPDATE or DELETE audit rows. Test-only: the
 * transaction drops back to the connection's session user (the owner) for its duration.
 */
async function asOwner(env: TestEnv, sql: string, params: unknown[] = []) {
  await env.ctx.db.platform(async (tx) => {
    await tx.execute(`SET LOCAL ROLE NONE`);
    await tx.execute(sql, params);
  });
}

describe('audit log: verification, signed checkpoints, search and export', () => {
  let env: TestEnv;
  let officer: Client;

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    await env.services.security.bootstrapAdmin();
    officer = new Client(env.app);
    await officer.login(ADMIN.adminEmail, ADMIN.adminPassword);
  });
  afterAll(async () => env?.close());

  async function tenantWithEvents(n: number) {
    const t = await seedTenant(env, `审计${n}`);
    const u = await t.user(`user${Math.random().toString(36).slice(2, 8)}@audit.example.com`);
    for (let i = 0; i < n; i++) {
      await env.ctx.db.tenant(t.tenantId, (tx) => audit.record(tx, { tenantId: t.tenantId, actor: { kind: 'tenant_user', id: u.id, label: u.email }, action: 'contract.view', objectType: 'contract', objectId: `C-${i}` }));
    }
    return t;
  }
  const verify = async (tenantId: string) =>
    ((await officer.get(`/api/v1/security/audit/verify?tenantId=${tenantId}`)).json() as { ok: boolean; chains: Array<{ ok: boolean; brokenAt?: number; reason?: string }> }).chains[0]!;

  it('detects an edited row', async () => {
    const t = await tenantWithEvents(5);
    expect(await verify(t.tenantId)).toMatchObject({ ok: true, count: 5 });
    await asOwner(env, `UPDATE audit_events SET object_id = 'C-999' WHERE tenant_id = $1 AND seq = 3`, [t.tenantId]);
    expect(await verify(t.tenantId)).toMatchObject({ ok: false, brokenAt: 3, reason: 'hash_mismatch' });
  });

  it('detects a deleted row', async () => {
    const t = await tenantWithEvents(5);
    await asOwner(env, `DELETE FROM audit_events WHERE tenant_id = $1 AND seq = 2`, [t.tenantId]);
    expect(await verify(t.tenantId)).toMatchObject({ ok: false, brokenAt: 2, reason: 'missing_event' });
  });

  it('detects a cut tail that the chain head alone would not show, thanks to the signed checkpoint', async () => {
    const t = await tenantWithEvents(6);
    expect((await officer.post('/api/v1/platform/security/audit/checkpoints')).json().written).toBeGreaterThan(0);
    const line = fs.readFileSync(path.join(env.dataDir, 'audit-checkpoints', `${t.tenantId}.jsonl`), 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(line)).toMatchObject({ chain: t.tenantId, seq: 6, sig: expect.any(String) });
    // Cut the last two events and rewind the head consistently: the chain itself still links up.
    await asOwner(env, `DELETE FROM audit_events WHERE tenant_id = $1 AND seq > 4`, [t.tenantId]);
    await asOwner(env, `UPDATE audit_chain_heads SET seq = 4, hash = (SELECT hash FROM audit_events WHERE tenant_id = $1 AND seq = 4) WHERE tenant_id = $1`, [t.tenantId]);
    expect(await env.ctx.db.tenant(t.tenantId, (tx) => audit.verify(tx, t.tenantId))).toMatchObject({ ok: true, count: 4 });
    expect(await verify(t.tenantId)).toMatchObject({ ok: false, brokenAt: 5, reason: 'truncated_tail' });
    // A forged checkpoint line (not signed by the platform key) is itself reported.
    const file = path.join(env.dataDir, 'audit-checkpoints', `${t.tenantId}.jsonl`);
    fs.appendFileSync(file, JSON.stringify({ ...JSON.parse(line), seq: 4 }) + '\n');
    expect(await verify(t.tenantId)).toMatchObject({ ok: false, reason: 'checkpoint_signature_invalid' });
  });

  it('lets tenant admins and auditors verify, search and export their own chain only', async () => {
    const t = await tenantWithEvents(3);
    const admin = await t.user('admin@audit-search.example.com', ['tenant_admin']);
    const plain = await t.user('plain@audit-search.example.com');
    const ac = new Client(env.app);
    await ac.login(admin.email, PASSWORD);
    const pc = new Client(env.app);
    await pc.login(plain.email, PASSWORD);
    expect((await pc.get('/api/v1/audit-events')).statusCode).toBe(403);
    expect((await pc.get('/api/v1/security/audit/verify')).statusCode).toBe(403);
    const v = (await ac.get('/api/v1/security/audit/verify')).json() as { ok: boolean; chains: Array<{ chain: string }> };
    expect(v.ok).toBe(true);
    expect(v.chains.map((c) => c.chain)).toEqual([t.tenantId]);

    const page = (await ac.get('/api/v1/audit-events?action=contract&pageSize=2')).json() as { total: number; items: Array<{ action: string; object: { id: string } }> };
    expect(page.total).toBe(3);
    expect(page.items.map((i) => i.object.id)).toEqual(['C-2', 'C-1']);
    const failures = (await ac.get('/api/v1/audit-events?outcome=failure')).json() as { total: number };
    expect(failures.total).toBe(0);
    await new Client(env.app).post('/api/v1/auth/login', { email: plain.email, password: 'Wrong-password-9' });
    const after = (await ac.get(`/api/v1/audit-events?outcome=failure&actor=${plain.id}`)).json() as { total: number; items: Array<{ action: string }> };
    expect(after).toMatchObject({ total: 1, items: [{ action: 'auth.login' }] });

    const csv = await ac.get('/api/v1/audit-events?format=csv&object=contract:C-1');
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^seq,occurred_at,actor_kind/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('C-1');
    const exported = (await ac.get('/api/v1/audit-events?action=audit.export')).json() as { total: number };
    expect(exported.total).toBe(1);
    // The platform operator reads the tenant's chain; the read is recorded on the platform chain.
    const op = (await officer.get(`/api/v1/platform/audit-events?tenantId=${t.tenantId}&action=contract.view`)).json() as { total: number };
    expect(op.total).toBe(3);
    const own = (await officer.get('/api/v1/platform/audit-events?action=audit.search')).json() as { total: number };
    expect(own.total).toBeGreaterThanOrEqual(1);
  });

  it('npm run audit:verify prints every chain with OK or the first broken seq', async () => {
    const expectReport = (out: string) => {
      expect(out).toMatch(/^OK {6}platform/m);
      expect(out).toMatch(/BROKEN {2}tenant .*first broken seq 3 \(hash_mismatch\)/);
      expect(out).toMatch(/BROKEN {2}tenant .*first broken seq 2 \(missing_event\)/);
      expect(out).toMatch(/BROKEN {2}tenant .*\(checkpoint_signature_invalid\)/);
      expect(out).toMatch(/chains, 3 broken$/m);
    };
    const report = await auditVerifyReport(env.ctx, new CheckpointStore(env.dataDir));
    expect(report.broken).toBe(3);
    expectReport(report.lines.join('\n'));
    // The script itself, against the same PostgreSQL database (an in-memory PGlite cannot be shared).
    if (env.config.databaseUrl) {
      let out = '';
      let status = 0;
      try {
        out = execFileSync('npx', ['tsx', 'scripts/audit-verify.ts'], {
          env: { ...process.env, DATABASE_URL: env.config.databaseUrl, PACTUM_DATA_DIR: env.dataDir, PACTUM_ALLOW_GENERATED_MASTER_KEY: '1', LOG_LEVEL: 'warn' },
          encoding: 'utf8',
        });
      } catch (e) {
        out = (e as { stdout: string }).stdout;
        status = (e as { status: number }).status;
      }
      expectReport(out);
      expect(status).toBe(1);
    }
  });
});
