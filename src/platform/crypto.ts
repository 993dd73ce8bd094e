import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { Database, Tx } from './db/index.js';

/**
 * Envelope encryption. A 256-bit master key (PACTUM_MASTER_KEY, or generated once into
 * <data dir>/master.key with mode 0600) wraps one random data key per tenant and one for the platform's
 * onboarding data. Values and files are encrypted with AES-256-GCM under a data key; the key id is
 * stored beside every ciphertext so that keys can rotate, and the owner (tenant or platform) is bound
 * as additional authenticated data so that a ciphertext copied to another tenant does not decrypt.
 */

export type KeyOwner = { tenantId: string } | 'platform';

const FILE_MAGIC = Buffer.from('PCT1');
const IV_LEN = 12;
const TAG_LEN = 16;

/**
 * The master key: PACTUM_MASTER_KEY, or (embedded mode) <data dir>/master.key, generated once. With a
 * PostgreSQL server several app servers share one database, and a key generated on each would differ:
 * there the key must come from PACTUM_MASTER_KEY, unless PACTUM_ALLOW_GENERATED_MASTER_KEY=1 explicitly
 * allows a key file (a single server; tests).
 */
export function loadMasterKey(opts: { masterKey?: string; dataDir: string; embedded: boolean; allowGenerated?: boolean; warn?: (m: string) => void }): Buffer {
  if (opts.masterKey) return parseKey(opts.masterKey);
  const file = path.join(opts.dataDir, 'master.key');
  if (!opts.embedded && !opts.allowGenerated) {
    throw new Error(
      'PACTUM_MASTER_KEY is required with DATABASE_URL (every app server must use the same key). Set it to 32 random bytes ' +
        '(openssl rand -base64 32), or set PACTUM_ALLOW_GENERATED_MASTER_KEY=1 to use <data dir>/master.key on a single server.',
    );
  }
  if (fs.existsSync(file)) return parseKey(fs.readFileSync(file, 'utf8').trim());
  if (!opts.embedded) {
    opts.warn?.(`PACTUM_MASTER_KEY is not set: generating ${file}. Keep it safe and back it up apart from the database.`);
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

function parseKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error('the master key must be 32 bytes, given as 64 hex digits or base64');
  return key;
}

function aad(owner: KeyOwner): Buffer {
  return Buffer.from(owner === 'platform' ? 'pactum:platform' : `pactum:tenant:${owner.tenantId}`);
}

function gcmEncrypt(key: Buffer, plain: Buffer, ad: Buffer): Buffer {
  const iv = crypto.randomBytes(IV_LEN);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(ad);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]);
}

function gcmDecrypt(key: Buffer, blob: Buffer, ad: Buffer): Buffer {
  if (blob.length < IV_LEN + TAG_LEN) throw new CryptoError('ciphertext too short');
  const iv = blob.subarray(0, IV_LEN);
  const tag = blob.subarray(blob.length - TAG_LEN);
  const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(ad);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(blob.subarray(IV_LEN, blob.length - TAG_LEN)), d.final()]);
}

export class CryptoError extends Error {}

interface DataKey {
  id: string;
  key: Buffer;
}

/** Additional data binding the blind-index root key to its purpose when wrapped. */
const BIDX_AAD = Buffer.from('pactum:blind-index');
export const BLIND_INDEX_PURPOSE = 'blind-index';

export function masterKeyIdOf(master: Buffer): string {
  return crypto.createHash('sha256').update(master).digest('hex').slice(0, 16);
}

/** Wraps and unwraps data keys under one master key (used by the service and by the rotation tool). */
export function wrapKey(master: Buffer, key: Buffer, owner: KeyOwner | typeof BLIND_INDEX_PURPOSE): Buffer {
  return gcmEncrypt(master, key, owner === BLIND_INDEX_PURPOSE ? BIDX_AAD : aad(owner));
}

export function unwrapKey(master: Buffer, wrapped: Buffer, owner: KeyOwner | typeof BLIND_INDEX_PURPOSE): Buffer {
  return gcmDecrypt(master, wrapped, owner === BLIND_INDEX_PURPOSE ? BIDX_AAD : aad(owner));
}

export class KeyService {
  readonly masterKeyId: string;
  /** Unwrapped data keys; the cache key names the owner, so one tenant's key never serves another. */
  private cache = new Map<string, Buffer>();
  /**
   * The blind-index root: a key of its own (platform_keys, purpose 'blind-index', with an id and
   * wrapped by the master key like every data key), so that rotating the master key re-wraps it and
   * leaves every blind index valid. Loaded once at start (loadBlindIndexKey).
   */
  private bidx: { id: string; key: Buffer } | null = null;

  constructor(private readonly master: Buffer) {
    this.masterKeyId = masterKeyIdOf(master);
  }

  private wrap(key: Buffer, owner: KeyOwner): Buffer {
    return wrapKey(this.master, key, owner);
  }

  private unwrap(wrapped: Buffer, owner: KeyOwner): Buffer {
    return unwrapKey(this.master, wrapped, owner);
  }

  /**
   * Loads the active blind-index root key, creating it on first start. The first root takes the bytes of
   * the master key in force at that moment, so that blind indexes computed before the root existed (they
   * were derived from the master key directly) keep matching; from then on it is an independent, wrapped
   * key: master-key rotation re-wraps it, and `npm run keys:rotate -- --blind-index` replaces it with a
   * random one and re-indexes (docs/security.md, Key rotation).
   */
  async loadBlindIndexKey(db: Database): Promise<void> {
    const row = await db.platform(async (tx) => {
      const sel = () =>
        tx.maybeOne<{ id: string; wrapped_key: Buffer }>(`SELECT id, wrapped_key FROM platform_keys WHERE purpose = $1 AND status = 'active'`, [BLIND_INDEX_PURPOSE]);
      const found = await sel();
      if (found) return found;
      await tx.execute(
        `INSERT INTO platform_keys (id, purpose, wrapped_key, master_key_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [crypto.randomUUID(), BLIND_INDEX_PURPOSE, wrapKey(this.master, this.master, BLIND_INDEX_PURPOSE), this.masterKeyId],
      );
      return (await sel())!;
    });
    this.bidx = { id: row.id, key: unwrapKey(this.master, row.wrapped_key, BLIND_INDEX_PURPOSE) };
  }

  /** The id of the blind-index root in use (recorded by the re-index tool and shown by `keys:rotate`). */
  get blindIndexKeyId(): string {
    if (!this.bidx) throw new CryptoError('blind-index key not loaded');
    return this.bidx.id;
  }

  private cacheKey(owner: KeyOwner, id: string): string {
    return owner === 'platform' ? `platform:${id}` : `tenant:${owner.tenantId}:${id}`;
  }

  /** Creates the tenant's first data key (inside the provisioning transaction). */
  async createTenantKey(tx: Tx, tenantId: string): Promise<string> {
    const id = crypto.randomUUID();
    const key = crypto.randomBytes(32);
    await tx.execute(
      `INSERT INTO tenant_keys (tenant_id, id, wrapped_key, master_key_id) VALUES ($1, $2, $3, $4)`,
      [tenantId, id, this.wrap(key, { tenantId }), this.masterKeyId],
    );
    this.cache.set(this.cacheKey({ tenantId }, id), key);
    return id;
  }

  /** Forgets cached keys of a tenant (after rotation or destruction). */
  forgetTenant(tenantId: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`tenant:${tenantId}:`)) this.cache.delete(k);
  }

  private async activeKey(tx: Tx, owner: KeyOwner): Promise<DataKey> {
    if (owner === 'platform') {
      let row = await tx.maybeOne<{ id: string; wrapped_key: Buffer }>(
        `SELECT id, wrapped_key FROM platform_keys WHERE purpose = 'onboarding' AND status = 'active'`,
      );
      if (!row) {
        const id = crypto.randomUUID();
        const key = crypto.randomBytes(32);
        row = await tx.maybeOne<{ id: string; wrapped_key: Buffer }>(
          `INSERT INTO platform_keys (id, purpose, wrapped_key, master_key_id) VALUES ($1, 'onboarding', $2, $3)
           ON CONFLICT DO NOTHING RETURNING id, wrapped_key`,
          [id, this.wrap(key, 'platform'), this.masterKeyId],
        );
        if (!row) return this.activeKey(tx, owner);
      }
      return { id: row.id, key: this.cachedUnwrap(owner, row.id, row.wrapped_key) };
    }
    const row = await tx.maybeOne<{ id: string; wrapped_key: Buffer }>(
      `SELECT id, wrapped_key FROM tenant_keys WHERE tenant_id = $1 AND status = 'active'`,
      [owner.tenantId],
    );
    if (!row) throw new CryptoError(`no active data key for tenant ${owner.tenantId}`);
    return { id: row.id, key: this.cachedUnwrap(owner, row.id, row.wrapped_key) };
  }

  private async keyById(tx: Tx, owner: KeyOwner, id: string): Promise<Buffer> {
    const cached = this.cache.get(this.cacheKey(owner, id));
    if (cached) return cached;
    const row =
      owner === 'platform'
        ? await tx.maybeOne<{ wrapped_key: Buffer }>(`SELECT wrapped_key FROM platform_keys WHERE id = $1`, [id])
        : await tx.maybeOne<{ wrapped_key: Buffer }>(
            `SELECT wrapped_key FROM tenant_keys WHERE tenant_id = $1 AND id = $2 AND status <> 'destroyed'`,
            [owner.tenantId, id],
          );
    if (!row) throw new CryptoError('data key not found (destroyed, or another owner)');
    return this.cachedUnwrap(owner, id, row.wrapped_key);
  }

  private cachedUnwrap(owner: KeyOwner, id: string, wrapped: Buffer): Buffer {
    const ck = this.cacheKey(owner, id);
    let key = this.cache.get(ck);
    if (!key) {
      key = this.unwrap(wrapped, owner);
      this.cache.set(ck, key);
    }
    return key;
  }

  /** `v1.<keyId>.<base64url(iv | ciphertext | tag)>` */
  async encryptText(tx: Tx, owner: KeyOwner, plain: string): Promise<string> {
    const k = await this.activeKey(tx, owner);
    return `v1.${k.id}.${gcmEncrypt(k.key, Buffer.from(plain, 'utf8'), aad(owner)).toString('base64url')}`;
  }

  async decryptText(tx: Tx, owner: KeyOwner, enc: string): Promise<string> {
    const [v, id, body] = enc.split('.');
    if (v !== 'v1' || !id || !body) throw new CryptoError('unknown ciphertext format');
    const key = await this.keyById(tx, owner, id);
    return gcmDecrypt(key, Buffer.from(body, 'base64url'), aad(owner)).toString('utf8');
  }

  async encryptOptional(tx: Tx, owner: KeyOwner, plain: string | null | undefined): Promise<string | null> {
    return plain == null ? null : this.encryptText(tx, owner, plain);
  }

  async decryptOptional(tx: Tx, owner: KeyOwner, enc: string | null | undefined): Promise<string | null> {
    return enc == null ? null : this.decryptText(tx, owner, enc);
  }

  /**
   * Blind index for equality look-ups on encrypted values: HMAC-SHA256 under a key derived (HKDF) from
   * the blind-index root key for one purpose (and owner), so equal values match without the value being
   * stored. Not from the master key: rotating the master key must not change any index.
   */
  blindIndex(purpose: string, owner: KeyOwner, value: string): string {
    if (!this.bidx) throw new CryptoError('blind-index key not loaded (KeyService.loadBlindIndexKey)');
    return blindIndexWith(this.bidx.key, purpose, owner, value);
  }

  /** A streaming encrypter for files: header (magic, key id, iv), ciphertext, tag at the end. */
  async fileEncrypter(tx: Tx, owner: KeyOwner): Promise<Transform> {
    const k = await this.activeKey(tx, owner);
    const iv = crypto.randomBytes(IV_LEN);
    const cipher = crypto.createCipheriv('aes-256-gcm', k.key, iv);
    cipher.setAAD(aad(owner));
    const header = Buffer.concat([FILE_MAGIC, Buffer.from(k.id.replace(/-/g, ''), 'hex'), iv]);
    let headerSent = false;
    return new Transform({
      transform(chunk: Buffer, _enc, cb: TransformCallback) {
        if (!headerSent) {
          this.push(header);
          headerSent = true;
        }
        cb(null, cipher.update(chunk));
      },
      flush(cb: TransformCallback) {
        if (!headerSent) this.push(header);
        const last = cipher.final();
        if (last.length) this.push(last);
        this.push(cipher.getAuthTag());
        cb();
      },
    });
  }

  /** Decrypts a whole encrypted file (authenticated before anything is returned). */
  async decryptFile(tx: Tx, owner: KeyOwner, blob: Buffer): Promise<Buffer> {
    if (blob.length < FILE_MAGIC.length + 16 + IV_LEN + TAG_LEN || !blob.subarray(0, 4).equals(FILE_MAGIC)) {
      throw new CryptoError('not an encrypted Pactum file');
    }
    const hex = blob.subarray(4, 20).toString('hex');
    const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const key = await this.keyById(tx, owner, keyId);
    const iv = blob.subarray(20, 20 + IV_LEN);
    const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad(owner));
    d.setAuthTag(blob.subarray(blob.length - TAG_LEN));
    return Buffer.concat([d.update(blob.subarray(20 + IV_LEN, blob.length - TAG_LEN)), d.final()]);
  }
}

/** The blind-index function under a given root (the service's, or a new one during re-indexing). */
export function blindIndexWith(root: Buffer, purpose: string, owner: KeyOwner, value: string): string {
  const scope = owner === 'platform' ? 'platform' : `tenant:${owner.tenantId}`;
  const k = Buffer.from(crypto.hkdfSync('sha256', root, Buffer.alloc(0), `pactum-bidx:${purpose}:${scope}`, 32));
  return crypto.createHmac('sha256', k).update(value, 'utf8').digest('base64url');
}

export function sha256(data: Buffer | string): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}

export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/** A uniformly random numeric code of `digits` digits. */
export function randomDigits(digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += crypto.randomInt(0, 10).toString();
  return s;
}

export function timingSafeEqualStr(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}
