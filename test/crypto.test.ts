import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMasterKey } from '../src/platform/crypto.js';
import { createTestEnv, type TestEnv } from './helpers.js';

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

describe('master key', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactum-mk-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is generated once into the data directory with mode 0600, then reused', () => {
    const k1 = loadMasterKey({ dataDir: dir, embedded: true });
    const file = path.join(dir, 'master.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadMasterKey({ dataDir: dir, embedded: true }).equals(k1)).toBe(true);
  });

  it('accepts PACTUM_MASTER_KEY as hex or base64 and refuses a short one', () => {
    const key = crypto.randomBytes(32);
    expect(loadMasterKey({ masterKey: key.toString('hex'), dataDir: dir, embedded: true }).equals(key)).toBe(true);
    expect(loadMasterKey({ masterKey: key.toString('base64'), dataDir: dir, embedded: true }).equals(key)).toBe(true);
    expect(() => loadMasterKey({ masterKey: 'abcd', dataDir: dir, embedded: true })).toThrow(/32 bytes/);
  });
});
