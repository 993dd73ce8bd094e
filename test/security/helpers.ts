import crypto from 'node:crypto';
import { hashPassword } from '../../src/platform/passwords.js';
import { emailKey } from '../../src/platform/validation.js';
import type { TestEnv } from '../helpers.js';

export const PASSWORD = 'Plum-Blossom-Lantern-42';

/**
 * Re-authenticates a signed-in client (password, or a factor) so that sensitive actions pass
 * requireFreshAuth. The session id rotates: the client's cookies are replaced by the answer's.
 */
export async function reauth(c: { post: (url: string, body?: unknown) => Promise<{ statusCode: number; body: string }> }, body: Record<string, unknown> = { password: PASSWORD }) {
  const r = await c.post('/api/v1/auth/reauth', body);
  if (r.statusCode !== 200) throw new Error(`reauth failed ${r.statusCode} ${r.body}`);
  return r;
}

/** Creates a tenant (with its data key) and returns a function that adds active users with PASSWORD. */
export async function seedTenant(env: TestEnv, name = '测试科技有限公司') {
  const tenantId = crypto.randomUUID();
  await env.ctx.db.platform(async (tx) => {
    await tx.execute(`INSERT INTO tenants (id, name, uscc) VALUES ($1, $2, $3)`, [tenantId, name, `91${tenantId.replace(/-/g, '').slice(0, 16).toUpperCase()}`]);
    await tx.actAsTenant(tenantId);
    await env.ctx.keys.createTenantKey(tx, tenantId);
    // Entitlements and built-in roles, as provisioning does: guards decide by the roles' catalogue permissions.
    await env.services.access.seedTenant(tx, tenantId);
  });
  const hash = await hashPassword(PASSWORD);
  return {
    tenantId,
    async user(email: string, roles: string[] = ['contract_manager']) {
      const id = crypto.randomUUID();
      await env.ctx.db.platform(async (tx) => {
        await tx.actAsTenant(tenantId);
        await tx.execute(
          `INSERT INTO users (tenant_id, id, email, name, password_hash, roles, status) VALUES ($1,$2,$3,$4,$5,$6,'active')`,
          [tenantId, id, email, email.split('@')[0], hash, roles],
        );
        await tx.execute(`INSERT INTO login_identities (email_key, kind, tenant_id, user_id) VALUES ($1,'tenant',$2,$3)`, [emailKey(email), tenantId, id]);
        await tx.execute(
          `INSERT INTO user_roles (tenant_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE tenant_id = $1 AND key = ANY($3::text[])`,
          [tenantId, id, roles],
        );
      });
      return { id, email };
    },
  };
}

// A minimal CBOR encoder (RFC 8949) for the software authenticator: ints, byte/text strings, arrays, maps.
function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}
export type Cbor = number | string | Buffer | Cbor[] | Map<Cbor, Cbor>;
export function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (Buffer.isBuffer(v)) return Buffer.concat([head(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  return Buffer.concat([head(5, v.size), ...[...v.entries()].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

const b64u = (b: Buffer) => b.toString('base64url');

/** A software passkey: an ES256 key pair, attestation "none", signatures made with node:crypto. */
export class SoftAuthenticator {
  readonly credentialId = crypto.randomBytes(32);
  private readonly keys = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  private signCount = 0;
  constructor(
    readonly rpId: string,
    readonly origin: string,
  ) {}

  private coseKey(): Buffer {
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    return cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
  }

  private authData(flags: number, attested: boolean): Buffer {
    const rpIdHash = crypto.createHash('sha256').update(this.rpId).digest();
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.signCount);
    const parts: Buffer[] = [rpIdHash, Buffer.from([flags]), count];
    if (attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(this.credentialId.length);
      parts.push(Buffer.alloc(16), len, this.credentialId, this.coseKey());
    }
    return Buffer.concat(parts);
  }

  /** navigator.credentials.create() for the given options, as the browser's JSON. */
  register(options: { challenge: string }, origin = this.origin) {
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }));
    const authData = this.authData(0x01 | 0x04 | 0x40, true);
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    const id = b64u(this.credentialId);
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** The public key (JWK), to check stored signatures independently. */
  publicJwk(): crypto.JsonWebKey {
    return this.keys.publicKey.export({ format: 'jwk' });
  }

  /** navigator.credentials.get() for the given options. */
  authenticate(options: { challenge: string }, origin = this.origin) {
    this.signCount += 1;
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false }));
    const authData = this.authData(0x01 | 0x04, false);
    const signature = crypto.sign('sha256', Buffer.concat([authData, crypto.createHash('sha256').update(clientDataJSON).digest()]), this.keys.privateKey);
    const id = b64u(this.credentialId);
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature) },
      clientExtensionResults: {},
    };
  }
}
