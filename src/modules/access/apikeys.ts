import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { AppError, conflict, fieldError, notFound } from '../../platform/http/errors.js';
import { sha256 } from '../../platform/crypto.js';
import { hasControlCharacters } from '../../platform/validation.js';
import type { Auth } from '../security/service.js';
import { ipAllowed, loadPolicy } from '../security/policy.js';
import { entitledPermissions, type Permission } from './catalog.js';
import { accessRepo } from './repo.js';

/**
 * API keys for integrations (module `api_access`).
 *
 * Token: `pk_<tenant id, 32 hex>_<secret, 32 random bytes base64url>`. The tenant id lets the look-up run in
 * that tenant's RLS scope; only SHA-256(secret) is stored (the secret is high-entropy, so a fast hash is
 * enough), with its first 8 characters as a display prefix. The hash is compared in constant time.
 *
 * A key acts with the permissions of its role (read from the database on every request, like a session's)
 * and the data reach (clearance, scope, department) of the user who created it; it stops working when it
 * is revoked or expired, its role is deleted, its creator is disabled, the tenant loses `api_access`, or
 * the tenant is terminated. Suspended/restricted tenants are handled by installAccess as for sessions.
 */

export const API_KEY_TOKEN = /^pk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
const PREFIX_LEN = 8;
/** last_used_at is written at most this often (an IP change is always written). */
const TOUCH_MS = 60_000;
export const API_KEY_NAME_MAX = 80;

export interface ApiKeyRow {
  tenant_id: string;
  id: string;
  name: string;
  role_id: string | null;
  role_key: string | null;
  role_name: string | null;
  prefix: string;
  secret_hash: Buffer;
  expires_at: Date | null;
  created_by: string;
  created_by_label: string | null;
  created_at: Date;
  last_used_at: Date | null;
  last_used_ip: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoked_by_label: string | null;
  revoke_reason: string | null;
}

export type ApiKeyStatus = 'active' | 'expired' | 'revoked' | 'role_removed';

export interface ApiKeyView {
  id: string;
  name: string;
  roleId: string | null;
  roleKey: string | null;
  roleName: string | null;
  /** What the UI shows to recognise a key: `pk_…_<first 8 characters of the secret>…`. */
  prefix: string;
  status: ApiKeyStatus;
  createdAt: Date;
  createdBy: { id: string; label: string | null };
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokeReason: string | null;
}

export function apiKeyStatus(k: Pick<ApiKeyRow, 'revoked_at' | 'expires_at' | 'role_id'>, now: Date): ApiKeyStatus {
  if (k.revoked_at) return 'revoked';
  if (k.expires_at && k.expires_at.getTime() <= now.getTime()) return 'expired';
  if (!k.role_id) return 'role_removed';
  return 'active';
}

const view = (k: ApiKeyRow, now: Date): ApiKeyView => ({
  id: k.id,
  name: k.name,
  roleId: k.role_id,
  roleKey: k.role_key,
  roleName: k.role_name,
  prefix: `pk_…_${k.prefix}…`,
  status: apiKeyStatus(k, now),
  createdAt: k.created_at,
  createdBy: { id: k.created_by, label: k.created_by_label },
  expiresAt: k.expires_at,
  lastUsedAt: k.last_used_at,
  lastUsedIp: k.last_used_ip,
  revokedAt: k.revoked_at,
  revokedBy: k.revoked_by_label ?? k.revoked_by,
  revokeReason: k.revoke_reason,
});

const SELECT = `SELECT k.*, r.key AS role_key, r.name AS role_name, u.email AS created_by_label
                  FROM api_keys k
                  LEFT JOIN roles r ON r.tenant_id = k.tenant_id AND r.id = k.role_id
                  LEFT JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.created_by`;

export const apiKeysRepo = {
  list(tx: Tx, tenantId: string) {
    return tx.query<ApiKeyRow>(`${SELECT} WHERE k.tenant_id = $1 ORDER BY k.revoked_at IS NOT NULL, k.created_at DESC LIMIT 500`, [tenantId]);
  },
  get(tx: Tx, tenantId: string, id: string, lock = false) {
    return tx.maybeOne<ApiKeyRow>(`${SELECT} WHERE k.tenant_id = $1 AND k.id = $2${lock ? ' FOR UPDATE OF k' : ''}`, [tenantId, id]);
  },
  byPrefix(tx: Tx, tenantId: string, prefix: string) {
    return tx.query<ApiKeyRow>(`${SELECT} WHERE k.tenant_id = $1 AND k.prefix = $2`, [tenantId, prefix]);
  },
  liveByName(tx: Tx, tenantId: string, name: string) {
    return tx.maybeOne<{ id: string }>(`SELECT id FROM api_keys WHERE tenant_id = $1 AND lower(name) = lower($2) AND revoked_at IS NULL`, [tenantId, name]);
  },
  insert(tx: Tx, k: { tenantId: string; id: string; name: string; roleId: string; prefix: string; secretHash: Buffer; expiresAt: Date | null; createdBy: string }) {
    return tx.execute(
      `INSERT INTO api_keys (tenant_id, id, name, role_id, prefix, secret_hash, expires_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [k.tenantId, k.id, k.name, k.roleId, k.prefix, k.secretHash, k.expiresAt, k.createdBy],
    );
  },
  revoke(tx: Tx, tenantId: string, id: string, by: Actor, reason: string | null, at: Date) {
    return tx.execute(
      `UPDATE api_keys SET revoked_at = $3, revoked_by = $4, revoked_by_label = $5, revoke_reason = $6 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL`,
      [tenantId, id, at, by.id ?? by.kind, by.label ?? null, reason],
    );
  },
  touch(tx: Tx, tenantId: string, id: string, at: Date, ip: string | null) {
    return tx.execute(`UPDATE api_keys SET last_used_at = $3, last_used_ip = $4 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, at, ip]);
  },
};

/** The permissions a user holds by role, intersected with the tenant's entitled modules (state ignored). */
async function heldPermissions(tx: Tx, tenantId: string, userId: string): Promise<{ grants: Set<string>; roleKeys: string[]; modules: string[] }> {
  const f = await accessRepo.facts(tx, tenantId, userId);
  const modules = f?.modules ?? [];
  const entitled = new Set<string>(entitledPermissions(modules));
  const roleKeys = (
    await tx.query<{ key: string }>(
      `SELECT r.key FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id WHERE ur.tenant_id = $1 AND ur.user_id = $2`,
      [tenantId, userId],
    )
  ).map((r) => r.key);
  return { grants: new Set((f?.grants ?? []).filter((p) => entitled.has(p))), roleKeys, modules };
}

/** Why a key may not be given this role by this creator (no escalation through a key), or null. */
function roleAssignable(
  role: { key: string; permissions: string[] },
  creator: { grants: Set<string>; roleKeys: string[]; modules: string[] },
): { code: string; params?: Record<string, string> } | null {
  if (role.key === 'tenant_admin' && !creator.roleKeys.includes('tenant_admin')) return { code: 'api_key_role_admin_only' };
  const entitled = new Set<string>(entitledPermissions(creator.modules));
  const beyond = role.permissions.filter((p) => entitled.has(p) && !creator.grants.has(p)).sort();
  return beyond.length ? { code: 'api_key_role_exceeds_creator', params: { permission: beyond[0]! } } : null;
}

export interface ApiKeyDeps {
  actorOfAuth: (auth: Auth) => Actor;
  tenantOfAuth: (auth: Auth) => string;
}

export function apiKeysService(ctx: AppContext, deps: ApiKeyDeps) {
  const { db } = ctx;

  /** Records the refusal of a known key (its own transaction: the look-up's is done) and throws it. */
  async function refuse(status: 401 | 403, code: string, tenantId: string, k: { id: string; name: string; created_by: string }, ip: string | null): Promise<never> {
    const params = code === 'ip_not_allowed' ? { ip: ip ?? '' } : undefined;
    try {
      await audit.recordAlone(db, {
        tenantId,
        actor: { kind: 'api_key', id: k.id, label: k.name, onBehalfOf: k.created_by },
        action: 'api_key.refused',
        outcome: 'denied',
        objectType: 'api_key',
        objectId: k.id,
        details: { reason: code },
        meta: { ip },
      });
    } catch (err) {
      ctx.log.error({ err }, 'api key refusal audit failed');
    }
    throw new AppError(status, code, params);
  }

  /** Revokes a key inside the caller's tenant transaction (also the incident module's containment step). */
  async function revokeApiKeyTx(tx: Tx, tenantId: string, keyId: string, actor: Actor, reason: string | null, meta: RequestMeta = {}): Promise<ApiKeyView> {
    const k = await apiKeysRepo.get(tx, tenantId, keyId, true);
    if (!k) throw notFound('api_key_not_found');
    if (k.revoked_at) throw conflict('api_key_already_revoked');
    const now = ctx.now();
    await apiKeysRepo.revoke(tx, tenantId, keyId, actor, reason, now);
    await accessRepo.recordHistory(tx, {
      tenantId, actor, kind: 'api_key.revoke', subjectType: 'api_key', subjectId: keyId, subjectLabel: k.name,
      before: { status: apiKeyStatus(k, now), role: k.role_key }, after: { status: 'revoked' }, reason,
    });
    await audit.record(tx, { tenantId, actor, action: 'api_key.revoke', objectType: 'api_key', objectId: keyId, details: { name: k.name, reason }, meta });
    return view((await apiKeysRepo.get(tx, tenantId, keyId))!, now);
  }

  /** Every key of a tenant (newest first, revoked last), inside the caller's tenant transaction. */
  async function listApiKeysTx(tx: Tx, tenantId: string): Promise<ApiKeyView[]> {
    const now = ctx.now();
    return (await apiKeysRepo.list(tx, tenantId)).map((k) => view(k, now));
  }

  return {
    listApiKeysTx,
    revokeApiKeyTx,

    /** The tenant's keys, and the roles a new key may be given by this caller (`assignable`). */
    async listApiKeys(auth: Auth): Promise<{ items: ApiKeyView[]; roles: Array<{ id: string; key: string; name: string; builtin: boolean; assignable: boolean }> }> {
      const tenantId = deps.tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) => {
        const creator = await heldPermissions(tx, tenantId, auth.user.id);
        const roles = (await accessRepo.roles(tx, tenantId)).map((r) => ({
          id: r.id, key: r.key, name: r.name, builtin: r.builtin, assignable: roleAssignable(r, creator) === null,
        }));
        return { items: await listApiKeysTx(tx, tenantId), roles };
      });
    },

    /** Creates a key; the token is in this response only. The role may not hold more than its creator does. */
    async createApiKey(auth: Auth, input: { name: string; roleId: string; expiresAt?: string | Date | null; reason?: string }, meta: RequestMeta): Promise<{ key: ApiKeyView; token: string }> {
      const tenantId = deps.tenantOfAuth(auth);
      const name = input.name.trim().replace(/\s+/g, ' ');
      if (!name) throw fieldError('name', 'required');
      if (name.length > API_KEY_NAME_MAX) throw fieldError('name', 'too_long', { max: API_KEY_NAME_MAX });
      if (hasControlCharacters(name)) throw fieldError('name', 'control_characters');
      const now = ctx.now();
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) throw fieldError('expiresAt', 'api_key_expiry_invalid');
      if (expiresAt && expiresAt.getTime() <= now.getTime()) throw fieldError('expiresAt', 'api_key_expiry_past');
      return db.tenant(tenantId, async (tx) => {
        await accessRepo.lockTenant(tx, tenantId);
        const role = await accessRepo.role(tx, tenantId, input.roleId);
        if (!role) throw fieldError('roleId', 'role_unknown');
        const refused = roleAssignable(role, await heldPermissions(tx, tenantId, auth.user.id));
        if (refused) throw fieldError('roleId', refused.code, refused.params);
        if (await apiKeysRepo.liveByName(tx, tenantId, name)) throw fieldError('name', 'api_key_name_taken');
        const secret = crypto.randomBytes(32).toString('base64url');
        const token = `pk_${tenantId.replace(/-/g, '')}_${secret}`;
        const id = crypto.randomUUID();
        await apiKeysRepo.insert(tx, { tenantId, id, name, roleId: role.id, prefix: secret.slice(0, PREFIX_LEN), secretHash: sha256(secret), expiresAt, createdBy: auth.user.id });
        const actor = deps.actorOfAuth(auth);
        await accessRepo.recordHistory(tx, {
          tenantId, actor, kind: 'api_key.create', subjectType: 'api_key', subjectId: id, subjectLabel: name,
          before: null, after: { role: role.key, roleName: role.name, expiresAt: expiresAt?.toISOString() ?? null }, reason: input.reason || null,
        });
        await audit.record(tx, { tenantId, actor, action: 'api_key.create', objectType: 'api_key', objectId: id, details: { name, role: role.key, expiresAt: expiresAt?.toISOString() ?? null }, meta });
        return { key: view((await apiKeysRepo.get(tx, tenantId, id))!, now), token };
      });
    },

    async revokeApiKey(auth: Auth, keyId: string, reason: string | null, meta: RequestMeta): Promise<ApiKeyView> {
      const tenantId = deps.tenantOfAuth(auth);
      return db.tenant(tenantId, (tx) => revokeApiKeyTx(tx, tenantId, keyId, deps.actorOfAuth(auth), reason, meta));
    },

    /**
     * Resolves `Authorization: Bearer <token>` into the same Auth a session produces, or throws a readable
     * 401/403. Checked on every request, from the database: the key (revoked, expired), its role, its
     * creator, the tenant (terminated) and its `api_access` entitlement, and the tenant's IP allow-list.
     * The first use from an address, and at most one use a minute otherwise, is written to the key
     * (last used) and to the audit log as `api_key.use`.
     */
    async resolveApiKey(token: string, ip: string | null, userAgent: string | null): Promise<Auth> {
      const m = API_KEY_TOKEN.exec(token);
      if (!m) throw new AppError(401, 'api_key_invalid');
      const hex = m[1]!;
      const tenantId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      const secret = m[2]!;
      const now = ctx.now();
      const hash = sha256(secret);
      const found = await db.tenant(tenantId, async (tx) => {
        const k = (await apiKeysRepo.byPrefix(tx, tenantId, secret.slice(0, PREFIX_LEN))).find((r) =>
          crypto.timingSafeEqual(Buffer.from(r.secret_hash), hash),
        );
        if (!k) return null;
        const t = await tx.maybeOne<{ id: string; name: string; uscc: string; status: string; plan: string; time_zone: string }>(
          `SELECT id, name, uscc, status, plan, time_zone FROM tenants WHERE id = $1`,
          [tenantId],
        );
        const u = await tx.maybeOne<{ id: string; email: string; name: string; status: string }>(
          `SELECT id, email, name, status FROM users WHERE tenant_id = $1 AND id = $2`,
          [tenantId, k.created_by],
        );
        const ent = await tx.maybeOne<{ modules: string[] }>(`SELECT modules FROM tenant_entitlements WHERE tenant_id = $1`, [tenantId]);
        const policy = await loadPolicy(tx, tenantId);
        const fresh = !k.last_used_at || now.getTime() - k.last_used_at.getTime() >= TOUCH_MS || k.last_used_ip !== ip;
        const status = apiKeyStatus(k, now);
        const refusal =
          status === 'revoked' ? { s: 401 as const, code: 'api_key_revoked' }
          : status === 'expired' ? { s: 401 as const, code: 'api_key_expired' }
          : !t || t.status === 'terminated' ? { s: 401 as const, code: 'tenant_terminated' }
          : !u || u.status !== 'active' ? { s: 401 as const, code: 'api_key_owner_disabled' }
          : !(ent?.modules ?? []).includes('api_access') ? { s: 403 as const, code: 'api_access_not_entitled' }
          : status === 'role_removed' ? { s: 403 as const, code: 'api_key_role_removed' }
          : !ipAllowed(ip, policy.ipAllowlist) ? { s: 403 as const, code: 'ip_not_allowed' }
          : null;
        if (!refusal && fresh) {
          await apiKeysRepo.touch(tx, tenantId, k.id, now, ip);
          await audit.record(tx, {
            tenantId, actor: { kind: 'api_key', id: k.id, label: k.name, onBehalfOf: k.created_by }, action: 'api_key.use', objectType: 'api_key', objectId: k.id,
            details: { previousIp: k.last_used_ip }, meta: { ip, userAgent },
          });
        }
        return { k, t: t!, u: u!, refusal };
      });
      if (!found) throw new AppError(401, 'api_key_invalid');
      const { k, t, u, refusal } = found;
      if (refusal) await refuse(refusal.s, refusal.code, tenantId, k, ip);
      return {
        sessionId: k.id,
        csrfToken: '',
        user: { id: u.id, email: u.email, name: u.name, kind: 'tenant', roles: [k.role_key!], mustChangePassword: false, mfaSetupRequired: false },
        tenant: { id: t.id, name: t.name, uscc: t.uscc, status: t.status, plan: t.plan, timeZone: t.time_zone },
        reauthAt: null,
        amr: ['api_key'],
        apiKey: { id: k.id, name: k.name, roleId: k.role_id!, roleKey: k.role_key! },
      };
    },

    /** The grants of a key's role, for the permission decision (empty once the key no longer works). */
    async keyGrantsTx(tx: Tx, tenantId: string, keyId: string): Promise<{ grants: string[]; live: boolean }> {
      const k = await tx.maybeOne<{ permissions: string[] | null; revoked_at: Date | null; expires_at: Date | null; role_id: string | null }>(
        `SELECT r.permissions, k.revoked_at, k.expires_at, k.role_id FROM api_keys k
           LEFT JOIN roles r ON r.tenant_id = k.tenant_id AND r.id = k.role_id
          WHERE k.tenant_id = $1 AND k.id = $2`,
        [tenantId, keyId],
      );
      if (!k || apiKeyStatus(k, ctx.now()) !== 'active') return { grants: [], live: false };
      return { grants: (k.permissions ?? []) as Permission[], live: true };
    },
  };
}

export type ApiKeysService = ReturnType<typeof apiKeysService>;
