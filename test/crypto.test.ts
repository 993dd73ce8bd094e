import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMasterKey } from '../src/platform/crypto.js';
import { ADMIN, Client, createTestEnv, type TestEnv } from './helpers.js';
import { contractInput, makeTenant, ok } from './contracts-helpers.js';

describe('envelope encryption', () => {
  let env: TestEnv;
  const A = crypto.randomUUID();
  const B = crypto.randomUUID();

  beforeAll(async () => {
    env = await createTestEnv();
    await env.ctx.db.platform(async (tx) => {
      for (const t of [A, B]) {
        await tx.execute(`INSERT INTO tenants (id, name, uscc) VALUES ($1, $2, $3)`, [t, `租户 ${t.slice(0, 4)}`, t.slice(0, 18)]);
        await tx.actAsTenant(t);
        await env.ctx.keys.createTenantKey(tx, t);
      }
    });
  });
  afterAll(async () => env?.close());

  it('round-trips text under the tenant key, with the key id beside the ciphertext', async () => {
    const enc = await env.ctx.db.tenant(A, (tx) => env.ctx.keys.encryptText(tx, { tenantId: A }, '违约责任：乙方应支付合同总价 5% 的违约金'));
    expect(enc).toMatch(/^v1\.[0-9a-f-]{36}\./);
    expect(enc).not.toContain('违约');
    const keyId = enc.split('.')[1];
    const stored = await env.ctx.db.tenant(A, (tx) => tx.one<{ id: string }>(`SELECT id FROM tenant_keys WHERE tenant_id = $1`, [A]));
    expect(keyId).toBe(stored.id);
    const dec = await env.ctx.db.tenant(A, (tx) => env.ctx.keys.decryptText(tx, { tenantId: A }, enc));
    expect(dec).toBe('违约责任：乙方应支付合同总价 5% 的违约金');
  });

  it('does not decrypt one tenant’s ciphertext as another tenant, nor a tampered one', async () => {
    const enc = await env.ctx.db.tenant(A, (tx) => env.ctx.keys.encryptText(tx, { tenantId: A }, 'secret of A'));
    // B cannot even load A's key (RLS), and a fresh key service has no cached copy.
    const { KeyService } = await import('../src/platform/crypto.js');
    const fresh = new KeyService(Buffer.from(fs.readFileSync(path.join(env.dataDir, 'master.key'), 'utf8').trim(), 'base64'));
    await expect(env.ctx.db.tenant(B, (tx) => fresh.decryptText(tx, { tenantId: B }, enc))).rejects.toThrow();
    const body = Buffer.from(enc.split('.')[2]!, 'base64url');
    body[body.length - 20]! ^= 1;
    const tampered = `${enc.split('.').slice(0, 2).join('.')}.${body.toString('base64url')}`;
    await expect(env.ctx.db.tenant(A, (tx) => env.ctx.keys.decryptText(tx, { tenantId: A }, tampered))).rejects.toThrow();
  });

  it('stores data keys only wrapped by the master key', async () => {
    const rows = await env.ctx.db.tenant(A, (tx) => tx.query<{ wrapped_key: Buffer; master_key_id: string }>(`SELECT wrapped_key, master_key_id FROM tenant_keys`));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.wrapped_key.length).toBe(12 + 32 + 16);
    expect(rows[0]!.master_key_id).toBe(env.ctx.keys.masterKeyId);
  });

  it('streams files through AES-256-GCM and detects a changed byte', async () => {
    const data = crypto.randomBytes(300_000);
    const enc = await env.ctx.db.tenant(A, (tx) => env.ctx.keys.fileEncrypter(tx, { tenantId: A }));
    const id = await env.ctx.blobs.write({ tenantId: A }, Readable.from([data.subarray(0, 1000), data.subarray(1000)]), enc);
    const blob = await env.ctx.blobs.read({ tenantId: A }, id);
    expect(blob.includes(data.subarray(0, 64))).toBe(false);
    const back = await env.ctx.db.tenant(A, (tx) => env.ctx.keys.decryptFile(tx, { tenantId: A }, blob));
    expect(back.equals(data)).toBe(true);
    blob[100]! ^= 0xff;
    await expect(env.ctx.db.tenant(A, (tx) => env.ctx.keys.decryptFile(tx, { tenantId: A }, blob))).rejects.toThrow();
  });

  it('derives blind indexes per purpose and owner', () => {
    const k = env.ctx.keys;
    expect(k.blindIndex('email', 'platform', 'a@b.cn')).toBe(k.blindIndex('email', 'platform', 'a@b.cn'));
    expect(k.blindIndex('email', 'platform', 'a@b.cn')).not.toBe(k.blindIndex('mobile', 'platform', 'a@b.cn'));
    expect(k.blindIndex('email', { tenantId: A }, 'a@b.cn')).not.toBe(k.blindIndex('email', { tenantId: B }, 'a@b.cn'));
  });
});

describe('key rotation keeps blind indexes working (npm run keys:rotate)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    await env.services.security.bootstrapAdmin();
  });
  afterAll(async () => env?.close());

  it('derives blind indexes from a wrapped, identified root key, not from the master key', async () => {
    const row = await env.ctx.db.platform((tx) => tx.one<{ id: string; master_key_id: string }>(`SELECT id, master_key_id FROM platform_keys WHERE purpose = 'blind-index' AND status = 'active'`));
    expect(env.ctx.keys.blindIndexKeyId).toBe(row.id);
    expect(row.master_key_id).toBe(env.ctx.keys.masterKeyId);
    const { KeyService } = await import('../src/platform/crypto.js');
    expect(() => new KeyService(crypto.randomBytes(32)).blindIndex('email', 'platform', 'a@b.cn')).toThrow(/not loaded/);
  });

  it('blind-index rotation re-indexes registration e-mails and contract bodies, and drops what cannot be recomputed', async () => {
    const { rotateBlindIndexKey } = await import('../src/platform/key-rotation.js');
    const master = Buffer.from(fs.readFileSync(path.join(env.dataDir, 'master.key'), 'utf8').trim(), 'base64');
    await new Client(env.app).post('/api/v1/registrations', { companyName: '上海轮换测试有限公司', contactName: '孙丽', contactEmail: 'Sun.Li@rotate-specimen.example.com' });
    const t = await makeTenant(env, '深圳示例检索科技有限公司', '91440300MA5REINDX2');
    const manager = await t.user(['contract_manager'], '赵敏');
    const made = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(0, { body: '第八条 违约责任：任何一方违约，应向守约方支付违约金。' })), 201);
    const search = async () => ok<{ items: Array<{ id: string }> }>(await manager.get(`/api/v1/contracts?q=${encodeURIComponent('违约责任')}`)).items.map((i) => i.id);
    expect(await search()).toContain(made.id);
    const oldKeyId = env.ctx.keys.blindIndexKeyId;
    const before = env.ctx.keys.blindIndex('email', 'platform', 'sun.li@rotate-specimen.example.com');

    const report = await rotateBlindIndexKey(env.ctx.db, env.ctx.keys, master);
    expect(report.blindIndexKeyId).not.toBe(oldKeyId);
    expect(env.ctx.keys.blindIndexKeyId).toBe(report.blindIndexKeyId);
    expect(report.registrations).toBeGreaterThanOrEqual(1);
    expect(report.contracts).toBeGreaterThanOrEqual(1);
    // New tokens everywhere, and the look-ups still find the same rows.
    const after = env.ctx.keys.blindIndex('email', 'platform', 'sun.li@rotate-specimen.example.com');
    expect(after).not.toBe(before);
    const n = await env.ctx.db.platform((tx) => tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM registrations WHERE contact_email_bidx = $1`, [after]));
    expect(n.n).toBe(1);
    expect(await search()).toContain(made.id);
    const keys = await env.ctx.db.platform((tx) => tx.query<{ status: string }>(`SELECT status FROM platform_keys WHERE purpose = 'blind-index' ORDER BY created_at`));
    expect(keys.map((k) => k.status).sort()).toEqual(['active', 'retired']);
  });
  it('master-key rotation re-wraps every key: data decrypts and every look-up by blind index still matches', async () => {
    const { KeyService } = await import('../src/platform/crypto.js');
    const { rotateMasterKey } = await import('../src/platform/key-rotation.js');
    const t = await makeTenant(env, '北京示例轮换科技有限公司', '91110108MA01ROTAT1');
    const enc = await env.ctx.db.tenant(t.id, (tx) => env.ctx.keys.encryptText(tx, { tenantId: t.id }, '违约金为合同总价的百分之五'));
    const r = await new Client(env.app).post('/api/v1/registrations', { companyName: '上海轮换测试有限公司', contactName: '钱伟', contactEmail: 'Qian.Wei@rotate-specimen.example.com' });
    const regId = r.json().id as string;
    const before = env.ctx.keys.blindIndex('email', 'platform', 'qian.wei@rotate-specimen.example.com');
    const old = Buffer.from(fs.readFileSync(path.join(env.dataDir, 'master.key'), 'utf8').trim(), 'base64');
    const fresh = crypto.randomBytes(32);
    const out = await rotateMasterKey(env.ctx.db, old, fresh);
    expect(out.tenantKeys).toBeGreaterThanOrEqual(1);
    expect(out.platformKeys).toBeGreaterThanOrEqual(2); // onboarding data key and blind-index root

    // A service started with the new master key only: decrypts, and computes the same indexes.
    const next = new KeyService(fresh);
    await next.loadBlindIndexKey(env.ctx.db);
    expect(next.blindIndex('email', 'platform', 'qian.wei@rotate-specimen.example.com')).toBe(before);
    expect(await env.ctx.db.tenant(t.id, (tx) => next.decryptText(tx, { tenantId: t.id }, enc))).toBe('违约金为合同总价的百分之五');
    const stored = await env.ctx.db.platform((tx) => tx.one<{ contact_email_bidx: string; contact_email_enc: string }>(`SELECT contact_email_bidx, contact_email_enc FROM registrations WHERE id = $1`, [regId]));
    expect(stored.contact_email_bidx).toBe(before);
    expect(await env.ctx.db.platform((tx) => next.decryptText(tx, 'platform', stored.contact_email_enc))).toBe('Qian.Wei@rotate-specimen.example.com');
    // The old master key no longer opens anything.
    const stale = new KeyService(old);
    await expect(stale.loadBlindIndexKey(env.ctx.db)).rejects.toThrow();
    const audited = await env.ctx.db.platform((tx) => tx.query(`SELECT 1 FROM audit_events WHERE action = 'platform.keys.rotate_master'`));
    expect(audited).toHaveLength(1);
  });

});

describe('master key', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactum-mk-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is generated once into the data directory with mode 0600, then reused', () => {
    const k1 = loadMasterKey({ dataDir: dir, embedded: true });
    const file = path.join(dir, 'master.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadMasterKey({ dataDir: dir, embedded: true }).equals(k1)).toBe(true);
  });

  it('is required with a PostgreSQL server unless a generated key file is explicitly allowed', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'pactum-mk-'));
    expect(() => loadMasterKey({ dataDir: other, embedded: false })).toThrow(/PACTUM_MASTER_KEY is required/);
    expect(fs.existsSync(path.join(other, 'master.key'))).toBe(false);
    expect(loadMasterKey({ dataDir: other, embedded: false, allowGenerated: true })).toHaveLength(32);
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('accepts PACTUM_MASTER_KEY as hex or base64 and refuses a short one', () => {
    const key = crypto.randomBytes(32);
    expect(loadMasterKey({ masterKey: key.toString('hex'), dataDir: dir, embedded: true }).equals(key)).toBe(true);
    expect(loadMasterKey({ masterKey: key.toString('base64'), dataDir: dir, embedded: true }).equals(key)).toBe(true);
    expect(() => loadMasterKey({ masterKey: 'abcd', dataDir: dir, embedded: true })).toThrow(/32 bytes/);
  });
});
