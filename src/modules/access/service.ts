import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import { probe, type Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { AppError, conflict, fieldError, forbidden, invalid, notFound, type FieldError } from '../../platform/http/errors.js';
import { emailKey, isValidEmail, normalizeEmail } from '../../platform/validation.js';
import { checkPasswordPolicy, generatePassword, hashPassword } from '../../platform/passwords.js';
import { randomToken, sha256 } from '../../platform/crypto.js';
import type { Auth } from '../security/service.js';
import {
  BUILTIN_GRANTS,
  BUILTIN_NAMES,
  BUILTIN_ROLES,
  DEFAULT_ENTITLEMENTS,
  ENTITLABLE_MODULES,
  LEVELS,
  PERMISSIONS,
  SCOPES,
  entitledPermissions,
  isPermission,
  levelRank,
  minLevel,
  type Level,
  type Permission,
} from './catalog.js';
import { decide, effective, type AccessFacts, type Decision } from './policy.js';
import { accessRepo as repo, type AccessUserRow, type RoleRow } from './repo.js';
import { accessMail } from './mail.js';
import { overreachAudit } from './overreach.js';
import { apiKeysService } from './apikeys.js';

export const INVITATION_TTL_DAYS = 7;
/** Rows of the permission history shown at once (JSON); CSV export pages through all of them. */
export const HISTORY_PAGE = 5000;

export interface EntitlementsView {
  modules: string[];
  seatLimit: number;
  tier: Level;
  updatedAt: Date | null;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  status: string;
  clearance: string;
  scope: string;
  departmentId: string | null;
  roleIds: string[];
  roles: string[];
  /** Role names, in the order of roleIds (so a user manager without roles.manage can read them). */
  roleNames: string[];
  lastLoginAt: Date | null;
  createdAt: Date;
}

const userView = (u: AccessUserRow): UserView => ({
  id: u.id,
  email: u.email,
  name: u.name,
  status: u.status,
  clearance: u.clearance,
  scope: u.scope,
  departmentId: u.department_id,
  roleIds: u.role_ids,
  roles: u.role_keys,
  roleNames: u.role_names,
  lastLoginAt: u.last_login_at,
  createdAt: u.created_at,
});

const roleView = (r: RoleRow & { user_count?: number }) => ({
  id: r.id,
  key: r.key,
  name: r.name,
  permissions: r.permissions,
  builtin: r.builtin,
  userCount: r.user_count ?? 0,
  updatedAt: r.updated_at,
});

function actorOfAuth(auth: Auth): Actor {
  if (auth.apiKey) return { kind: 'api_key', id: auth.apiKey.id, label: auth.apiKey.name, onBehalfOf: auth.user.id };
  return { kind: auth.user.kind === 'platform' ? 'platform_user' : 'tenant_user', id: auth.user.id, label: auth.user.email };
}

function tenantOfAuth(auth: Auth): string {
  if (auth.user.kind !== 'tenant' || !auth.tenant) throw forbidden();
  return auth.tenant.id;
}

const sortPerms = (ps: Iterable<string>) => [...new Set(ps)].sort();
const scopeRank = (s: string): number => SCOPES.indexOf(s as (typeof SCOPES)[number]);
/** An optional "why" from a form: blank means none. */
const why = (r: string | null | undefined): string | null => (r && r.trim() ? r.trim() : null);

/**
 * Refusals of an assignment that would hand out more than the caller holds (privilege escalation). They are
 * 403s with these codes and are recorded as denials (reason = the code).
 */
export const ESCALATION_CODES = new Set([
  'assign_admin_requires_admin',
  'role_exceeds_own_permissions',
  'admin_target_requires_admin',
  'own_roles_readonly',
  'own_clearance_raise',
  'own_scope_raise',
  'own_department_readonly',
  'clearance_above_own',
  'scope_above_own',
]);
/** Denials caused by the tenant's state, not by the user: they do not count towards denial-spike alerts. */
export const STATE_DENIALS = ['tenant_suspended', 'tenant_read_only', 'tenant_terminated'];

/** Tenant users, roles, entitlements, data levels, requests and the permission history. */
export function accessService(ctx: AppContext) {
  const { db } = ctx;
  const overreach = overreachAudit(ctx);
  const apiKeys = apiKeysService(ctx, { actorOfAuth, tenantOfAuth });

  async function entitlementsOf(tx: Tx, tenantId: string): Promise<EntitlementsView> {
    const e = await repo.entitlements(tx, tenantId);
    // A tenant without a row (created outside provisioning) holds the core modules only, public tier, one seat.
    if (!e) return { modules: [], seatLimit: 1, tier: 'public', updatedAt: null };
    return { modules: e.modules, seatLimit: e.seat_limit, tier: e.tier as Level, updatedAt: e.updated_at };
  }

  async function factsTx(tx: Tx, tenantId: string, userId: string): Promise<AccessFacts> {
    const f = await repo.facts(tx, tenantId, userId);
    if (!f) return { tenantStatus: 'terminated', modules: [], grants: [], userActive: false };
    const trainingGaps: Record<string, { courseId: string; title: string }> = {};
    for (const g of await repo.trainingGaps(tx, tenantId, userId)) trainingGaps[g.permission] ??= { courseId: g.course_id, title: g.title };
    return { tenantStatus: f.status, modules: f.modules ?? [], grants: f.grants ?? [], userActive: f.user_status === 'active', trainingGaps };
  }

  /**
   * The facts of a request's caller: a user's roles, or, for an API key, the key's role (and nothing once the
   * key is revoked, expired, its role deleted or the tenant lost api_access); the user's status either way.
   */
  async function callerFactsTx(tx: Tx, tenantId: string, auth: Auth): Promise<AccessFacts> {
    const f = await factsTx(tx, tenantId, auth.user.id);
    if (!auth.apiKey) return f;
    const k = await apiKeys.keyGrantsTx(tx, tenantId, auth.apiKey.id);
    const live = k.live && f.modules.includes('api_access');
    return { ...f, grants: live ? k.grants : [], userActive: f.userActive && live };
  }

  async function seedTenant(tx: Tx, tenantId: string): Promise<void> {
    if (!(await repo.entitlements(tx, tenantId))) {
      await repo.upsertEntitlements(tx, tenantId, { modules: DEFAULT_ENTITLEMENTS.modules, seatLimit: DEFAULT_ENTITLEMENTS.seatLimit, tier: DEFAULT_ENTITLEMENTS.tier });
    }
    const ent = await entitlementsOf(tx, tenantId);
    const allowed = new Set(entitledPermissions(ent.modules));
    for (const key of BUILTIN_ROLES) {
      if (await repo.roleByKey(tx, tenantId, key)) continue;
      await repo.insertRole(tx, tenantId, {
        id: crypto.randomUUID(),
        key,
        name: BUILTIN_NAMES[key].zh,
        permissions: sortPerms(BUILTIN_GRANTS[key].filter((p) => allowed.has(p))),
        builtin: true,
      });
    }
  }

  /**
   * Applies new entitlements: the tenant_admin role then holds exactly the entitled permissions, every other
   * role keeps only what is still entitled (a module added back is not re-granted), clearances above the
   * new tier are lowered. Everything goes to the permission history. Tx must act for the tenant (platform).
   */
  async function applyEntitlements(
    tx: Tx,
    tenantId: string,
    next: { modules: string[]; seatLimit: number; tier: Level },
    actor: Actor,
    reason: string | null,
    requestId: string | null,
  ): Promise<EntitlementsView> {
    await repo.lockTenant(tx, tenantId);
    const before = await entitlementsOf(tx, tenantId);
    const modules = ENTITLABLE_MODULES.filter((m) => next.modules.includes(m));
    await repo.upsertEntitlements(tx, tenantId, { modules, seatLimit: next.seatLimit, tier: next.tier });
    const after: EntitlementsView = { modules, seatLimit: next.seatLimit, tier: next.tier, updatedAt: new Date() };
    await repo.recordHistory(tx, {
      tenantId, actor, kind: 'entitlements.update', subjectType: 'tenant', subjectId: tenantId,
      before: { modules: before.modules, seatLimit: before.seatLimit, tier: before.tier },
      after: { modules, seatLimit: next.seatLimit, tier: next.tier }, reason, requestId,
    });
    const allowed = new Set(entitledPermissions(modules));
    for (const r of await repo.roles(tx, tenantId)) {
      const target = r.key === 'tenant_admin' ? sortPerms(allowed) : sortPerms(r.permissions.filter((p) => allowed.has(p as Permission)));
      if (target.join(',') !== sortPerms(r.permissions).join(',')) {
        await repo.setRolePermissions(tx, tenantId, r.id, target);
        await repo.recordHistory(tx, {
          tenantId, actor, kind: 'role.entitlement_sync', subjectType: 'role', subjectId: r.id, subjectLabel: r.name,
          before: { permissions: sortPerms(r.permissions) }, after: { permissions: target }, reason, requestId,
        });
      }
    }
    if (levelRank(next.tier) < levelRank(before.tier)) {
      const lowered = await tx.query<{ id: string; email: string; clearance: string }>(
        `SELECT id, email, clearance FROM users WHERE tenant_id = $1 AND app_level_rank(clearance) > app_level_rank($2)`,
        [tenantId, next.tier],
      );
      for (const u of lowered) {
        await tx.execute(`UPDATE users SET clearance = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, u.id, next.tier]);
        await repo.recordHistory(tx, {
          tenantId, actor, kind: 'user.clearance', subjectType: 'user', subjectId: u.id, subjectLabel: u.email,
          before: { clearance: u.clearance }, after: { clearance: next.tier }, reason, requestId,
        });
      }
      // Open invitations follow too: nobody joins above the new tier.
      const invs = await tx.query<{ id: string; email: string; clearance: string }>(
        `SELECT id, email, clearance FROM invitations WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND app_level_rank(clearance) > app_level_rank($2)`,
        [tenantId, next.tier],
      );
      for (const i of invs) {
        await tx.execute(`UPDATE invitations SET clearance = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, i.id, next.tier]);
        await repo.recordHistory(tx, {
          tenantId, actor, kind: 'user.invite.clearance', subjectType: 'invitation', subjectId: i.id, subjectLabel: i.email,
          before: { clearance: i.clearance }, after: { clearance: next.tier }, reason, requestId,
        });
      }
    } else if (levelRank(next.tier) > levelRank(before.tier)) {
      // A raised tier is meant to be used: tenant admins who held the old cap follow it to the new one (so the
      // admin who asked for it can work at the new level at once). Everyone else keeps their clearance; the
      // admin raises it per user, as a deliberate and recorded decision.
      const admins = await tx.query<{ id: string; email: string; clearance: string }>(
        `SELECT DISTINCT u.id, u.email, u.clearance FROM users u
           JOIN user_roles ur ON ur.tenant_id = u.tenant_id AND ur.user_id = u.id
           JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id AND r.key = 'tenant_admin'
          WHERE u.tenant_id = $1 AND u.status = 'active' AND u.clearance = $2`,
        [tenantId, before.tier],
      );
      for (const u of admins) {
        await tx.execute(`UPDATE users SET clearance = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, u.id, next.tier]);
        await repo.recordHistory(tx, {
          tenantId, actor, kind: 'user.clearance', subjectType: 'user', subjectId: u.id, subjectLabel: u.email,
          before: { clearance: u.clearance }, after: { clearance: next.tier }, reason, requestId,
        });
      }
    }
    await audit.record(tx, {
      tenantId, actor, action: 'access.entitlements.update', objectType: 'tenant', objectId: tenantId,
      details: { before: { modules: before.modules, seatLimit: before.seatLimit, tier: before.tier }, after: { modules, seatLimit: next.seatLimit, tier: next.tier }, requestId },
    });
    return after;
  }

  async function recordDenial(
    auth: Auth,
    d: { permission?: string | null; level?: string | null; reason: string; objectType?: string | null; objectId?: string | null },
    meta: RequestMeta,
  ): Promise<void> {
    const tenantId = auth.tenant?.id;
    if (!tenantId) return;
    await db.tenant(tenantId, async (tx) => {
      await repo.insertDenial(tx, tenantId, { userId: auth.user.id, apiKeyId: auth.apiKey?.id ?? null, ...d, ip: meta.ip ?? null });
      await audit.record(tx, {
        tenantId, actor: actorOfAuth(auth), action: 'access.denied', outcome: 'denied', objectType: d.objectType ?? null, objectId: d.objectId ?? null,
        details: { permission: d.permission ?? null, level: d.level ?? null, reason: d.reason }, meta,
      });
      // Spikes are per person; a key's bursts of denials raise the security module's repeated_denials alert (actor = key).
      // State denials (suspended, read-only …) are recorded but are no spike.
      if (!auth.apiKey && !STATE_DENIALS.includes(d.reason)) await overreach.checkSpike(tx, tenantId, auth.user.id, auth.user.email);
    });
  }

  /** Sets the per-request data-level settings (GUCs) for app_can_see() inside this tenant transaction. */
  async function applyDataScope(tx: Tx, auth: Auth): Promise<{ clearance: Level; scope: string; departmentIds: string[] }> {
    const tenantId = tenantOfAuth(auth);
    const u = await tx.maybeOne<{ clearance: Level; scope: string; department_id: string | null; status: string }>(
      `SELECT clearance, scope, department_id, status FROM users WHERE tenant_id = $1 AND id = $2`,
      [tenantId, auth.user.id],
    );
    if (!u || u.status !== 'active') throw new AppError(401, 'account_disabled');
    const ent = await entitlementsOf(tx, tenantId);
    const clearance = minLevel(u.clearance, ent.tier);
    let departmentIds: string[] = [];
    if (u.department_id && u.scope === 'department') departmentIds = [u.department_id];
    if (u.department_id && u.scope === 'department_and_below') departmentIds = (await repo.departmentSubtree(tx, tenantId, u.department_id)).map((d) => d.id);
    await tx.query(
      `SELECT set_config('app.user_id', $1, true), set_config('app.clearance', $2, true), set_config('app.scope', $3, true), set_config('app.department_ids', $4, true)`,
      [auth.user.id, clearance, u.scope, departmentIds.join(',')],
    );
    return { clearance, scope: u.scope, departmentIds };
  }

  /**
   * For trusted internal flows that act for nobody in particular (counterparty signing links, expiry jobs):
   * full clearance and tenant scope inside this tenant transaction, recorded in the audit log with the reason.
   * Never used for a signed-in user's request.
   */
  async function applySystemScope(tx: Tx, tenantId: string, reason: string, objectId: string | null = null): Promise<void> {
    await tx.query(
      `SELECT set_config('app.user_id', '', true), set_config('app.clearance', 'restricted', true), set_config('app.scope', 'tenant', true), set_config('app.department_ids', '', true)`,
    );
    await audit.record(tx, { tenantId, actor: { kind: 'system' }, action: 'access.system_scope', objectType: objectId ? 'contract' : null, objectId, details: { reason } });
  }

  /** Active users who hold `perm` now (roles ∩ entitlements ∩ tenant state), optionally only those with a role key. */
  async function usersWithPermission(tx: Tx, tenantId: string, perm: Permission, roleKey?: string): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(
      `SELECT DISTINCT u.id FROM users u
         JOIN user_roles ur ON ur.tenant_id = u.tenant_id AND ur.user_id = u.id
         JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
        WHERE u.tenant_id = $1 AND u.status = 'active' AND ($2::text IS NULL OR r.key = $2 OR r.id::text = $2)
        ORDER BY u.id`,
      [tenantId, roleKey ?? null],
    );
    const out: string[] = [];
    for (const r of rows) if (decide(await factsTx(tx, tenantId, r.id), perm).allowed) out.push(r.id);
    return out;
  }

  /** The head of a department (approver of "department head" contract steps), if set and active. */
  async function departmentHead(tx: Tx, tenantId: string, departmentId: string): Promise<string | null> {
    const r = await tx.maybeOne<{ id: string }>(
      `SELECT u.id FROM departments d JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.head_user_id
        WHERE d.tenant_id = $1 AND d.id = $2 AND u.status = 'active'`,
      [tenantId, departmentId],
    );
    return r?.id ?? null;
  }

  async function withDataScope<T>(auth: Auth, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const tenantId = tenantOfAuth(auth);
    return db.tenant(tenantId, async (tx) => {
      await applyDataScope(tx, auth);
      return fn(tx);
    });
  }

  async function assertLastAdminKept(tx: Tx, tenantId: string, userId: string): Promise<void> {
    const admins = await repo.activeAdmins(tx, tenantId);
    if (admins.length <= 1 && admins.some((a) => a.id === userId)) throw conflict('last_tenant_admin');
  }

  /** What the caller holds now: tenant-admin membership, role grants (∩ entitlements), clearance (≤ tier) and scope. */
  async function standingOf(tx: Tx, tenantId: string, userId: string) {
    const f = await factsTx(tx, tenantId, userId);
    const ent = await entitlementsOf(tx, tenantId);
    const entitled = new Set<string>(entitledPermissions(ent.modules));
    const u = await tx.maybeOne<{ clearance: Level; scope: string; is_admin: boolean }>(
      `SELECT u.clearance, u.scope,
              EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id AND r.key = 'tenant_admin'
                       WHERE ur.tenant_id = u.tenant_id AND ur.user_id = u.id) AS is_admin
         FROM users u WHERE u.tenant_id = $1 AND u.id = $2`,
      [tenantId, userId],
    );
    return {
      isAdmin: !!u?.is_admin && f.userActive,
      grants: new Set(f.grants.filter((p) => entitled.has(p))),
      clearance: u ? minLevel(u.clearance, ent.tier) : ('public' as Level),
      scope: u?.scope ?? 'own',
    };
  }

  /**
   * No privilege escalation through an assignment: a role may be handed out (or taken away from a tenant
   * admin) only by someone holding every permission of it, tenant_admin only by a tenant admin; a non-admin
   * grants no clearance or scope above their own and does not touch tenant admins. Nobody edits their own
   * roles or department (when their scope depends on it) or raises their own clearance or scope.
   */
  async function assertMayGrant(
    tx: Tx,
    auth: Auth,
    tenantId: string,
    change: {
      target?: { id: string; roleIds: string[]; roleKeys: string[]; clearance: string; scope: string; departmentId: string | null } | null;
      addedRoles?: RoleRow[];
      removedRoles?: RoleRow[];
      rolesChanged?: boolean;
      clearance?: string;
      scope?: string;
      departmentChanged?: boolean;
    },
  ): Promise<void> {
    const me = await standingOf(tx, tenantId, auth.user.id);
    const self = change.target?.id === auth.user.id;
    if (self) {
      if (change.rolesChanged) throw forbidden('own_roles_readonly');
      if (change.clearance && levelRank(change.clearance) > levelRank(change.target!.clearance)) throw forbidden('own_clearance_raise');
      if (change.scope && scopeRank(change.scope) > scopeRank(change.target!.scope)) throw forbidden('own_scope_raise');
      if (change.departmentChanged && (change.target!.scope === 'department' || change.target!.scope === 'department_and_below')) throw forbidden('own_department_readonly');
    }
    if (me.isAdmin) return;
    if (change.target && change.target.roleKeys.includes('tenant_admin') && !self) throw forbidden('admin_target_requires_admin');
    for (const r of [...(change.addedRoles ?? []), ...(change.removedRoles ?? [])]) {
      if (r.key === 'tenant_admin') throw forbidden('assign_admin_requires_admin');
    }
    for (const r of change.addedRoles ?? []) {
      const missing = r.permissions.filter((p) => !me.grants.has(p));
      if (missing.length) throw forbidden('role_exceeds_own_permissions', { role: r.name, permissions: missing.join(', '), permission: missing[0]! });
    }
    if (change.clearance && levelRank(change.clearance) > levelRank(me.clearance) && change.clearance !== change.target?.clearance) {
      throw forbidden('clearance_above_own', { clearance: me.clearance });
    }
    if (change.scope && scopeRank(change.scope) > scopeRank(me.scope) && change.scope !== change.target?.scope) {
      throw forbidden('scope_above_own', { scope: me.scope });
    }
  }

  /** Runs fn; an escalation refusal is recorded as a denial (own transaction) before it is rethrown. */
  async function guardEscalation<T>(auth: Auth, meta: RequestMeta, object: { type: string; id: string | null }, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AppError && e.status === 403 && ESCALATION_CODES.has(e.code)) {
        const permission = typeof e.params.permission === 'string' ? e.params.permission : null;
        await recordDenial(auth, { permission, reason: e.code, objectType: object.type, objectId: object.id }, meta);
      }
      throw e;
    }
  }

  async function validRoleIds(tx: Tx, tenantId: string, ids: string[], path: string): Promise<RoleRow[]> {
    const roles = await repo.roles(tx, tenantId);
    const errors: FieldError[] = [];
    const out: RoleRow[] = [];
    ids.forEach((id, i) => {
      const r = roles.find((x) => x.id === id);
      if (!r) errors.push({ path: `${path}.${i}`, code: 'role_unknown' });
      else out.push(r);
    });
    if (errors.length) throw invalid(errors);
    return out;
  }

  async function departmentNames(tx: Tx, tenantId: string): Promise<Map<string, string>> {
    return new Map((await tx.query<{ id: string; name: string }>(`SELECT id, name FROM departments WHERE tenant_id = $1`, [tenantId])).map((d) => [d.id, d.name]));
  }

  async function validDepartment(tx: Tx, tenantId: string, id: string | null | undefined, path: string): Promise<void> {
    if (!id) return;
    const d = await tx.maybeOne(`SELECT 1 FROM departments WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    if (!d) throw fieldError(path, 'department_unknown');
  }

  function parseToken(token: string): { tenantId: string; secret: string } {
    const m = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
    if (!m) throw notFound('invitation_not_found');
    return { tenantId: m[1]!, secret: m[2]! };
  }

  async function findInvitation(tx: Tx, token: string) {
    const { tenantId, secret } = parseToken(token);
    await tx.actAsTenant(tenantId);
    const inv = await tx.maybeOne<{ id: string; email: string; email_key: string; role_ids: string[]; department_id: string | null; clearance: string; scope: string; expires_at: Date; accepted_at: Date | null; revoked_at: Date | null; invited_by: string | null }>(
      `SELECT id, email, email_key, role_ids, department_id, clearance, scope, expires_at, accepted_at, revoked_at, invited_by FROM invitations WHERE tenant_id = $1 AND token_hash = $2 FOR UPDATE`,
      [tenantId, sha256(secret)],
    );
    if (!inv) throw notFound('invitation_not_found');
    if (inv.revoked_at) throw new AppError(410, 'invitation_revoked');
    if (inv.accepted_at) throw new AppError(410, 'invitation_used');
    if (inv.expires_at.getTime() <= ctx.now().getTime()) throw new AppError(410, 'invitation_expired');
    return { tenantId, inv };
  }

  return {
    ...apiKeys,
    seedTenant,
    /** For other assignment paths (e.g. an API key's role): refuses a grant beyond what the caller holds (403). */
    assertMayGrant,
    guardEscalation,
    applyDataScope,
    applySystemScope,
    usersWithPermission,
    departmentHead,
    recordDenial,

    /**
     * Creates a tenant's first administrator with a system-issued password (returned once, to be mailed)
     * that must be changed at first sign-in. Runs inside the provisioning transaction, acting for the tenant;
     * seeds the tenant's entitlements and built-in roles first.
     */
    async createInitialAdmin(tx: Tx, tenantId: string, input: { email: string; name: string }): Promise<{ userId: string; password: string }> {
      const key = emailKey(input.email);
      const taken = await tx.maybeOne(`SELECT 1 FROM login_identities WHERE email_key = $1`, [key]);
      if (taken) throw new AppError(409, 'email_taken');
      await seedTenant(tx, tenantId);
      const ent = await entitlementsOf(tx, tenantId);
      const password = generatePassword();
      const userId = crypto.randomUUID();
      await tx.execute(
        `INSERT INTO users (tenant_id, id, email, name, password_hash, roles, status, must_change_password, clearance, scope)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', true, $7, 'tenant')`,
        [tenantId, userId, input.email, input.name, await hashPassword(password), ['tenant_admin'], ent.tier],
      );
      await tx.execute(`INSERT INTO login_identities (email_key, kind, tenant_id, user_id) VALUES ($1, 'tenant', $2, $3)`, [key, tenantId, userId]);
      const admin = await repo.roleByKey(tx, tenantId, 'tenant_admin');
      await repo.setUserRoles(tx, tenantId, userId, [admin!.id], null);
      return { userId, password };
    },

    // ---------------------------------------------------------------- decisions --------------------
    /** The decision for one permission, from the database, now. */
    async check(auth: Auth, perm: string): Promise<Decision> {
      if (auth.user.kind !== 'tenant' || !auth.tenant) return { allowed: false, reason: 'permission_denied' };
      const tenantId = auth.tenant.id;
      return db.tenant(tenantId, async (tx) => {
        const d = decide(await callerFactsTx(tx, tenantId, auth), perm);
        // A key's use is not its creator's use (the over-reach audit looks at people).
        if (d.allowed && !auth.apiKey) await overreach.trackUse(tx, tenantId, auth.user.id, perm);
        return d;
      });
    },
    /** Same, inside the caller's tenant transaction (for other modules' services). */
    async checkTx(tx: Tx, auth: Auth, perm: string): Promise<Decision> {
      if (auth.user.kind !== 'tenant' || !auth.tenant) return { allowed: false, reason: 'permission_denied' };
      const d = decide(await callerFactsTx(tx, auth.tenant.id, auth), perm);
      if (d.allowed && !auth.apiKey) await overreach.trackUse(tx, auth.tenant.id, auth.user.id, perm);
      return d;
    },
    async can(auth: Auth, perm: Permission): Promise<boolean> {
      if (auth.user.kind !== 'tenant' || !auth.tenant) return false;
      const tenantId = auth.tenant.id;
      return decide(await db.tenant(tenantId, (tx) => callerFactsTx(tx, tenantId, auth)), perm).allowed;
    },
    async effectivePermissions(auth: Auth): Promise<Permission[]> {
      if (auth.user.kind !== 'tenant' || !auth.tenant) return [];
      const tenantId = auth.tenant.id;
      return effective(await db.tenant(tenantId, (tx) => callerFactsTx(tx, tenantId, auth)));
    },
    /** The caller's access summary (permissions, entitlements, data clearance) for the UI. */
    async me(auth: Auth) {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) => {
        const f = await callerFactsTx(tx, tenantId, auth);
        const ent = await entitlementsOf(tx, tenantId);
        const u = await repo.user(tx, tenantId, auth.user.id);
        return {
          permissions: effective(f),
          /** Permissions the roles grant but a training gate withholds, with the course to complete. */
          trainingRequired: Object.entries(f.trainingGaps ?? {})
            .filter(([p]) => decide({ ...f, trainingGaps: {} }, p).allowed)
            .map(([permission, c]) => ({ permission, courseId: c.courseId, course: c.title })),
          tenantStatus: f.tenantStatus,
          entitlements: { modules: ent.modules, seatLimit: ent.seatLimit, tier: ent.tier },
          clearance: u ? minLevel(u.clearance as Level, ent.tier) : 'public',
          scope: u?.scope ?? 'own',
          roles: auth.apiKey ? [auth.apiKey.roleKey] : (u?.role_keys ?? []),
          apiKey: auth.apiKey ? { id: auth.apiKey.id, name: auth.apiKey.name } : null,
        };
      });
    },
    /** Why a session cookie no longer works (for a readable 401), or null. */
    async explainDeadSession(token: string): Promise<string | null> {
      if (!token || token.length > 100) return null;
      // Auth scope (not platform): this one session by its token hash, then its tenant's rows.
      return db.system('auth', async (tx) => {
        await probe(tx, 'token_hash', sha256(token).toString('hex'));
        const s = await tx.maybeOne<{ tenant_id: string | null; user_id: string; revoked_reason: string | null; expires_at: Date }>(
          `SELECT nullif(tenant_id, '00000000-0000-0000-0000-000000000000') AS tenant_id, user_id, revoked_reason, expires_at FROM sessions WHERE token_hash = $1`,
          [sha256(token)],
        );
        if (!s || !s.tenant_id || s.expires_at.getTime() <= ctx.now().getTime()) return null;
        await tx.actAsTenant(s.tenant_id);
        if (s.revoked_reason === 'user_disabled') return 'account_disabled';
        if (s.revoked_reason === 'tenant_terminated') return 'tenant_terminated';
        const t = await tx.maybeOne<{ status: string }>(`SELECT status FROM tenants WHERE id = $1`, [s.tenant_id]);
        if (t?.status === 'terminated') return 'tenant_terminated';
        await tx.actAsTenant(s.tenant_id);
        const u = await tx.maybeOne<{ status: string }>(`SELECT status FROM users WHERE tenant_id = $1 AND id = $2`, [s.tenant_id, s.user_id]);
        if (u && u.status === 'disabled') return 'account_disabled';
        return null;
      });
    },

    // ---------------------------------------------------------------- data level ------------------
    /** A tenant transaction with the caller's data scope applied: classified tables show only what they may see. */
    withDataScope,

    // ---------------------------------------------------------------- users -----------------------
    async listUsers(auth: Auth): Promise<{ items: UserView[]; seats: { used: number; limit: number } }> {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) => {
        const ent = await entitlementsOf(tx, tenantId);
        const used = await repo.seatsUsed(tx, tenantId, ctx.now());
        return { items: (await repo.users(tx, tenantId)).map(userView), seats: { used: used.users + used.invitations, limit: ent.seatLimit } };
      });
    },

    async listInvitations(auth: Auth) {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) =>
        (
          await tx.query<{ id: string; email: string; created_at: Date; expires_at: Date; accepted_at: Date | null; revoked_at: Date | null }>(
            `SELECT id, email, created_at, expires_at, accepted_at, revoked_at FROM invitations WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 200`,
            [tenantId],
          )
        ).map((i) => ({
          id: i.id,
          email: i.email,
          createdAt: i.created_at,
          expiresAt: i.expires_at,
          status: i.revoked_at ? 'revoked' : i.accepted_at ? 'accepted' : i.expires_at.getTime() <= ctx.now().getTime() ? 'expired' : 'pending',
        })),
      );
    },

    /** Invites by e-mail; the seat limit counts active and invited users plus open invitations. */
    async invite(
      auth: Auth,
      input: { email: string; roleIds: string[]; departmentId?: string | null; clearance?: Level; scope?: string; locale?: 'zh-CN' | 'en'; reason?: string },
      meta: RequestMeta,
    ): Promise<{ id: string; expiresAt: Date }> {
      const tenantId = tenantOfAuth(auth);
      if (!isValidEmail(input.email)) throw fieldError('email', 'email_invalid');
      const email = normalizeEmail(input.email);
      const key = emailKey(email);
      const secret = randomToken(32);
      const id = crypto.randomUUID();
      const expiresAt = new Date(ctx.now().getTime() + INVITATION_TTL_DAYS * 86400_000);
      return guardEscalation(auth, meta, { type: 'invitation', id: null }, () => db.platform(async (tx) => {
        await tx.actAsTenant(tenantId);
        await repo.lockTenant(tx, tenantId);
        // Only this tenant's own users are reported: whether an address has an account elsewhere (another
        // tenant, the operator) is not the inviter's business. Such an invitation fails when accepted, and
        // only its recipient, who owns the address, learns why.
        if (await tx.maybeOne(`SELECT 1 FROM users WHERE tenant_id = $1 AND lower(email) = $2`, [tenantId, key])) throw fieldError('email', 'email_taken');
        const open = await tx.maybeOne(
          `SELECT 1 FROM invitations WHERE tenant_id = $1 AND email_key = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3`,
          [tenantId, key, ctx.now()],
        );
        if (open) throw fieldError('email', 'invitation_pending');
        const ent = await entitlementsOf(tx, tenantId);
        const used = await repo.seatsUsed(tx, tenantId, ctx.now());
        if (used.users + used.invitations >= ent.seatLimit) {
          throw new AppError(409, 'seat_limit_reached', { limit: ent.seatLimit, used: used.users + used.invitations });
        }
        const roles = await validRoleIds(tx, tenantId, input.roleIds, 'roleIds');
        await validDepartment(tx, tenantId, input.departmentId, 'departmentId');
        // Default: internal, or the tier when the tier is lower (a public-tier tenant invites at public), and
        // never above the inviter's own clearance when the inviter is not a tenant admin.
        const inviter = await standingOf(tx, tenantId, auth.user.id);
        const clearance = input.clearance ?? minLevel(minLevel('internal', ent.tier), inviter.isAdmin ? 'restricted' : inviter.clearance);
        if (levelRank(clearance) > levelRank(ent.tier)) throw fieldError('clearance', 'clearance_above_tier', { tier: ent.tier });
        await assertMayGrant(tx, auth, tenantId, { addedRoles: roles, clearance, scope: input.scope ?? 'own' });
        const dept = input.departmentId ? await tx.maybeOne<{ name: string }>(`SELECT name FROM departments WHERE tenant_id = $1 AND id = $2`, [tenantId, input.departmentId]) : null;
        await tx.execute(
          `INSERT INTO invitations (tenant_id, id, email, email_key, token_hash, role_ids, department_id, clearance, scope, invited_by, expires_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
          [tenantId, id, email, key, sha256(secret), roles.map((r) => r.id), input.departmentId ?? null, clearance, input.scope ?? 'own', auth.user.id, expiresAt],
        );
        await repo.recordHistory(tx, {
          tenantId, actor: actorOfAuth(auth), kind: 'user.invite', subjectType: 'invitation', subjectId: id, subjectLabel: email,
          after: { roles: roles.map((r) => r.key), roleNames: roles.map((r) => r.name), clearance, scope: input.scope ?? 'own', departmentId: input.departmentId ?? null, departmentName: dept?.name ?? null },
          reason: why(input.reason),
        });
        await audit.record(tx, { tenantId, actor: actorOfAuth(auth), action: 'user.invite', objectType: 'invitation', objectId: id, details: { email, roles: roles.map((r) => r.key) }, meta });
        const tenantName = (await repo.tenantStatus(tx, tenantId))?.name ?? '';
        const link = `${ctx.config.publicUrl}/invite/${tenantId}.${secret}`;
        tx.afterCommit(() => ctx.mailer.send({ ...accessMail.invitation(input.locale ?? 'zh-CN', email, tenantName, auth.user.name, link, expiresAt), tenantId }));
        return { id, expiresAt };
      }));
    },

    async revokeInvitation(auth: Auth, id: string, meta: RequestMeta, reason?: string): Promise<void> {
      const tenantId = tenantOfAuth(auth);
      await db.tenant(tenantId, async (tx) => {
        const inv = await tx.maybeOne<{ email: string; role_ids: string[]; clearance: string; scope: string; expires_at: Date }>(
          `SELECT email, role_ids, clearance, scope, expires_at FROM invitations WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL FOR UPDATE`,
          [tenantId, id],
        );
        if (!inv) throw notFound('invitation_not_found');
        await tx.execute(`UPDATE invitations SET revoked_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
        const roles = (await repo.roles(tx, tenantId)).filter((r) => inv.role_ids.includes(r.id));
        await repo.recordHistory(tx, {
          tenantId, actor: actorOfAuth(auth), kind: 'user.invite.revoke', subjectType: 'invitation', subjectId: id, subjectLabel: inv.email,
          before: { status: 'pending', roles: roles.map((r) => r.key), roleNames: roles.map((r) => r.name), clearance: inv.clearance, scope: inv.scope },
          after: { status: 'revoked' }, reason: why(reason),
        });
        await audit.record(tx, { tenantId, actor: actorOfAuth(auth), action: 'user.invite.revoke', objectType: 'invitation', objectId: id, meta });
      });
    },

    /** Public: what an invitation is for (404 unknown, 410 expired / used / revoked). */
    async getInvitation(token: string) {
      return db.platform(async (tx) => {
        const { tenantId, inv } = await findInvitation(tx, token);
        const t = await repo.tenantStatus(tx, tenantId);
        return { email: inv.email, tenantName: t?.name ?? '', expiresAt: inv.expires_at };
      });
    },

    /** Public: the invitee sets name and password; single use; only for the invited e-mail. */
    async acceptInvitation(token: string, input: { email: string; name: string; password: string }, meta: RequestMeta): Promise<{ userId: string; email: string }> {
      const result = await db.platform(async (tx): Promise<{ mismatch: string } | { userId: string; email: string }> => {
        const { tenantId, inv } = await findInvitation(tx, token);
        if (emailKey(input.email) !== inv.email_key) return { mismatch: tenantId };
        const errors = checkPasswordPolicy(input.password, { email: inv.email, name: input.name }, 'password');
        if (errors.length) throw invalid(errors);
        if (await tx.maybeOne(`SELECT 1 FROM login_identities WHERE email_key = $1`, [inv.email_key])) throw conflict('invitation_email_has_account');
        const t = await repo.tenantStatus(tx, tenantId);
        if (!t || t.status !== 'active') {
          throw forbidden(t?.status === 'suspended' ? 'tenant_suspended' : t?.status === 'restricted' ? 'tenant_read_only' : 'tenant_terminated');
        }
        // The seat was reserved when the invitation was sent; the limit may have been lowered since.
        await repo.lockTenant(tx, tenantId);
        const ent = await entitlementsOf(tx, tenantId);
        const used = await repo.seatsUsed(tx, tenantId, ctx.now());
        if (used.users + 1 > ent.seatLimit) throw new AppError(409, 'seat_limit_reached', { limit: ent.seatLimit, used: used.users });
        const clearance = minLevel(inv.clearance as Level, ent.tier);
        const userId = crypto.randomUUID();
        await tx.execute(
          `INSERT INTO users (tenant_id, id, email, name, password_hash, status, clearance, scope, department_id) VALUES ($1,$2,$3,$4,$5,'active',$6,$7,$8)`,
          [tenantId, userId, inv.email, input.name, await hashPassword(input.password), clearance, inv.scope, inv.department_id],
        );
        await tx.execute(`INSERT INTO login_identities (email_key, kind, tenant_id, user_id) VALUES ($1, 'tenant', $2, $3)`, [inv.email_key, tenantId, userId]);
        const granted = (await repo.roles(tx, tenantId)).filter((r) => inv.role_ids.includes(r.id));
        const existing = granted.map((r) => r.id);
        await repo.setUserRoles(tx, tenantId, userId, existing, inv.invited_by);
        await tx.execute(`UPDATE invitations SET accepted_at = now(), accepted_user_id = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, inv.id, userId]);
        // The grant is the inviter's decision: they are the "who" of the history row; the invitee is noted.
        const inviter = inv.invited_by ? await tx.maybeOne<{ email: string }>(`SELECT email FROM users WHERE tenant_id = $1 AND id = $2`, [tenantId, inv.invited_by]) : null;
        const grantor: Actor = inv.invited_by ? { kind: 'tenant_user', id: inv.invited_by, label: inviter?.email ?? undefined } : { kind: 'system', label: 'invitation' };
        await repo.recordHistory(tx, {
          tenantId, actor: grantor, kind: 'user.invite.accept', subjectType: 'user', subjectId: userId, subjectLabel: inv.email,
          before: { roles: [] },
          after: { roles: granted.map((r) => r.key).sort(), roleNames: granted.map((r) => r.name), clearance, scope: inv.scope, invitee: inv.email, invitationId: inv.id },
          reason: null,
        });
        const actor: Actor = { kind: 'tenant_user', id: userId, label: inv.email };
        await audit.record(tx, { tenantId, actor, action: 'user.invite.accept', objectType: 'user', objectId: userId, details: { invitationId: inv.id, invitedBy: inv.invited_by }, meta });
        return { userId, email: inv.email };
      });
      if ('mismatch' in result) {
        await audit.recordAlone(db, { tenantId: result.mismatch, actor: { kind: 'anonymous', label: emailKey(input.email) }, action: 'user.invite.accept', outcome: 'failure', details: { reason: 'invitation_email_mismatch' }, meta });
        throw fieldError('email', 'invitation_email_mismatch');
      }
      return result;
    },

    async updateUser(
      auth: Auth,
      userId: string,
      patch: { name?: string; roleIds?: string[]; clearance?: Level; scope?: string; departmentId?: string | null; reason?: string },
      meta: RequestMeta,
    ): Promise<UserView> {
      const tenantId = tenantOfAuth(auth);
      const reason = why(patch.reason);
      return guardEscalation(auth, meta, { type: 'user', id: userId }, () => db.tenant(tenantId, async (tx) => {
        await repo.lockTenant(tx, tenantId);
        const before = await repo.user(tx, tenantId, userId);
        if (!before) throw notFound('user_not_found');
        const actor = actorOfAuth(auth);
        const ent = await entitlementsOf(tx, tenantId);
        const all = await repo.roles(tx, tenantId);
        const roles = patch.roleIds ? await validRoleIds(tx, tenantId, [...new Set(patch.roleIds)], 'roleIds') : null;
        const rolesChanged = !!roles && sortPerms(roles.map((r) => r.id)).join(',') !== sortPerms(before.role_ids).join(',');
        const clearanceChanged = !!patch.clearance && patch.clearance !== before.clearance;
        const scopeChanged = !!patch.scope && patch.scope !== before.scope;
        const departmentChanged = patch.departmentId !== undefined && patch.departmentId !== before.department_id;
        if (clearanceChanged && levelRank(patch.clearance!) > levelRank(ent.tier)) throw fieldError('clearance', 'clearance_above_tier', { tier: ent.tier });
        if (departmentChanged) await validDepartment(tx, tenantId, patch.departmentId, 'departmentId');
        if (rolesChanged || clearanceChanged || scopeChanged || departmentChanged) {
          await assertMayGrant(tx, auth, tenantId, {
            target: { id: userId, roleIds: before.role_ids, roleKeys: before.role_keys, clearance: before.clearance, scope: before.scope, departmentId: before.department_id },
            addedRoles: rolesChanged ? roles!.filter((r) => !before.role_ids.includes(r.id)) : [],
            removedRoles: rolesChanged ? all.filter((r) => before.role_ids.includes(r.id) && !roles!.some((x) => x.id === r.id)) : [],
            rolesChanged,
            clearance: clearanceChanged ? patch.clearance : undefined,
            scope: scopeChanged ? patch.scope : undefined,
            departmentChanged,
          });
        }
        if (rolesChanged) {
          if (before.role_keys.includes('tenant_admin') && !roles!.some((r) => r.key === 'tenant_admin') && before.status === 'active') {
            await assertLastAdminKept(tx, tenantId, userId);
          }
          await repo.setUserRoles(tx, tenantId, userId, roles!.map((r) => r.id), auth.user.id);
          const sorted = [...roles!].sort((a, b) => a.key.localeCompare(b.key));
          const beforeSorted = all.filter((r) => before.role_ids.includes(r.id)).sort((a, b) => a.key.localeCompare(b.key));
          await repo.recordHistory(tx, {
            tenantId, actor, kind: 'user.roles', subjectType: 'user', subjectId: userId, subjectLabel: before.email,
            before: { roles: beforeSorted.map((r) => r.key), roleNames: beforeSorted.map((r) => r.name) },
            after: { roles: sorted.map((r) => r.key), roleNames: sorted.map((r) => r.name) }, reason,
          });
        }
        if (clearanceChanged) {
          await tx.execute(`UPDATE users SET clearance = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, userId, patch.clearance]);
          await repo.recordHistory(tx, { tenantId, actor, kind: 'user.clearance', subjectType: 'user', subjectId: userId, subjectLabel: before.email, before: { clearance: before.clearance }, after: { clearance: patch.clearance }, reason });
        }
        if (scopeChanged) {
          await tx.execute(`UPDATE users SET scope = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, userId, patch.scope]);
          await repo.recordHistory(tx, { tenantId, actor, kind: 'user.scope', subjectType: 'user', subjectId: userId, subjectLabel: before.email, before: { scope: before.scope }, after: { scope: patch.scope }, reason });
        }
        if (departmentChanged) {
          const names = await departmentNames(tx, tenantId);
          await tx.execute(`UPDATE users SET department_id = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, userId, patch.departmentId]);
          await repo.recordHistory(tx, {
            tenantId, actor, kind: 'user.department', subjectType: 'user', subjectId: userId, subjectLabel: before.email,
            before: { departmentId: before.department_id, departmentName: before.department_id ? (names.get(before.department_id) ?? null) : null },
            after: { departmentId: patch.departmentId, departmentName: patch.departmentId ? (names.get(patch.departmentId) ?? null) : null }, reason,
          });
        }
        if (patch.name && patch.name !== before.name) {
          await tx.execute(`UPDATE users SET name = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, userId, patch.name]);
        }
        await audit.record(tx, { tenantId, actor, action: 'user.update', objectType: 'user', objectId: userId, details: { fields: Object.keys(patch), reason }, meta });
        return userView((await repo.user(tx, tenantId, userId))!);
      }));
    },

    /** Disables (sessions end at once) or re-enables a user; the last active tenant admin stays. */
    async setUserStatus(auth: Auth, userId: string, status: 'active' | 'disabled', meta: RequestMeta, reason?: string): Promise<UserView> {
      const tenantId = tenantOfAuth(auth);
      return guardEscalation(auth, meta, { type: 'user', id: userId }, () => db.tenant(tenantId, async (tx) => {
        await repo.lockTenant(tx, tenantId);
        const u = await repo.user(tx, tenantId, userId);
        if (!u) throw notFound('user_not_found');
        if (u.status === status) return userView(u);
        // Only a tenant admin disables or re-enables a tenant admin.
        if (u.role_keys.includes('tenant_admin') && u.id !== auth.user.id && !(await standingOf(tx, tenantId, auth.user.id)).isAdmin) throw forbidden('admin_target_requires_admin');
        if (status === 'disabled') {
          if (u.role_keys.includes('tenant_admin')) await assertLastAdminKept(tx, tenantId, userId);
          await tx.execute(`UPDATE users SET status = 'disabled', updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, userId]);
          await repo.revokeUserSessions(tx, tenantId, userId, 'user_disabled');
        } else {
          const ent = await entitlementsOf(tx, tenantId);
          const used = await repo.seatsUsed(tx, tenantId, ctx.now());
          if (used.users + used.invitations >= ent.seatLimit) throw new AppError(409, 'seat_limit_reached', { limit: ent.seatLimit, used: used.users + used.invitations });
          await tx.execute(`UPDATE users SET status = 'active', updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, userId]);
        }
        await repo.recordHistory(tx, { tenantId, actor: actorOfAuth(auth), kind: 'user.status', subjectType: 'user', subjectId: userId, subjectLabel: u.email, before: { status: u.status }, after: { status }, reason: why(reason) });
        await audit.record(tx, { tenantId, actor: actorOfAuth(auth), action: status === 'disabled' ? 'user.disable' : 'user.enable', objectType: 'user', objectId: userId, details: { reason: why(reason) }, meta });
        return userView((await repo.user(tx, tenantId, userId))!);
      }));
    },

    /** The tenant's users, roles and departments in one document (data export); the read is audited. */
    async exportDirectory(auth: Auth, meta: RequestMeta) {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) => {
        const ent = await entitlementsOf(tx, tenantId);
        const used = await repo.seatsUsed(tx, tenantId, ctx.now());
        const users = (await repo.users(tx, tenantId)).map(userView);
        const roles = (await repo.roles(tx, tenantId)).map(roleView);
        const departments = (await repo.departments(tx, tenantId)).map((d) => ({ id: d.id, name: d.name, parentId: d.parent_id, headUserId: d.head_user_id, userCount: d.user_count }));
        await audit.record(tx, {
          tenantId, actor: actorOfAuth(auth), action: 'access.export', objectType: 'tenant', objectId: tenantId,
          details: { users: users.length, roles: roles.length, departments: departments.length }, meta,
        });
        return { exportedAt: ctx.now(), users, seats: { used: used.users + used.invitations, limit: ent.seatLimit }, roles, departments };
      });
    },

    /**
     * Incident containment (platform security officer, inside a platform transaction acting for the
     * tenant): locks a user (disabled, every session ends at once; even the last tenant admin, since the
     * account may be the compromised one) or unlocks them again. Returns whether anything changed.
     */
    async containUserTx(tx: Tx, tenantId: string, userId: string, lock: boolean, actor: Actor, reason: string, meta: RequestMeta): Promise<{ changed: boolean; email: string; sessionsEnded: number }> {
      const u = await repo.user(tx, tenantId, userId);
      if (!u) throw notFound('user_not_found');
      const status = lock ? 'disabled' : 'active';
      let sessionsEnded = 0;
      if (lock) sessionsEnded = await repo.revokeUserSessions(tx, tenantId, userId, 'user_disabled');
      if (u.status === status) return { changed: false, email: u.email, sessionsEnded };
      if (!lock) {
        const ent = await entitlementsOf(tx, tenantId);
        const used = await repo.seatsUsed(tx, tenantId, ctx.now());
        if (used.users + used.invitations >= ent.seatLimit) throw new AppError(409, 'seat_limit_reached', { limit: ent.seatLimit, used: used.users + used.invitations });
      }
      await tx.execute(`UPDATE users SET status = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, userId, status]);
      await repo.recordHistory(tx, { tenantId, actor, kind: 'user.status', subjectType: 'user', subjectId: userId, subjectLabel: u.email, before: { status: u.status }, after: { status }, reason });
      await audit.record(tx, { tenantId, actor, action: lock ? 'user.disable' : 'user.enable', objectType: 'user', objectId: userId, details: { reason, sessionsEnded }, meta });
      return { changed: true, email: u.email, sessionsEnded };
    },

    // ---------------------------------------------------------------- departments -----------------
    async listDepartments(auth: Auth) {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) =>
        (await repo.departments(tx, tenantId)).map((d) => ({ id: d.id, name: d.name, parentId: d.parent_id, headUserId: d.head_user_id, userCount: d.user_count })),
      );
    },
    async createDepartment(auth: Auth, input: { name: string; parentId?: string | null; reason?: string }, meta: RequestMeta) {
      const tenantId = tenantOfAuth(auth);
      const id = crypto.randomUUID();
      return db.tenant(tenantId, async (tx) => {
        await validDepartment(tx, tenantId, input.parentId, 'parentId');
        const dup = await tx.maybeOne(
          `SELECT 1 FROM departments WHERE tenant_id = $1 AND parent_id IS NOT DISTINCT FROM $2 AND lower(name) = lower($3)`,
          [tenantId, input.parentId ?? null, input.name],
        );
        if (dup) throw fieldError('name', 'department_name_taken');
        const names = await departmentNames(tx, tenantId);
        await tx.execute(`INSERT INTO departments (tenant_id, id, name, parent_id) VALUES ($1,$2,$3,$4)`, [tenantId, id, input.name, input.parentId ?? null]);
        await repo.recordHistory(tx, {
          tenantId, actor: actorOfAuth(auth), kind: 'department.create', subjectType: 'department', subjectId: id, subjectLabel: input.name,
          before: null, after: { name: input.name, parentId: input.parentId ?? null, parentName: input.parentId ? (names.get(input.parentId) ?? null) : null }, reason: why(input.reason),
        });
        await audit.record(tx, { tenantId, actor: actorOfAuth(auth), action: 'department.create', objectType: 'department', objectId: id, details: { name: input.name }, meta });
        return { id, name: input.name, parentId: input.parentId ?? null, userCount: 0 };
      });
    },
    /**
     * Renames, moves or sets the head of a department. A move changes who "department and below" covers,
     * a head change who approves "department head" steps: each change is a permission-history row.
     */
    async updateDepartment(auth: Auth, id: string, input: { name?: string; parentId?: string | null; headUserId?: string | null; reason?: string }, meta: RequestMeta) {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) => {
        const d = await tx.maybeOne<{ name: string; parent_id: string | null; head_user_id: string | null }>(
          `SELECT name, parent_id, head_user_id FROM departments WHERE tenant_id = $1 AND id = $2`,
          [tenantId, id],
        );
        if (!d) throw notFound('department_not_found');
        const parentId = input.parentId === undefined ? d.parent_id : input.parentId;
        if (parentId) {
          await validDepartment(tx, tenantId, parentId, 'parentId');
          const below = (await repo.departmentSubtree(tx, tenantId, id)).map((x) => x.id);
          if (below.includes(parentId)) throw fieldError('parentId', 'department_cycle');
        }
        const name = input.name ?? d.name;
        const dup = await tx.maybeOne(
          `SELECT 1 FROM departments WHERE tenant_id = $1 AND parent_id IS NOT DISTINCT FROM $2 AND lower(name) = lower($3) AND id <> $4`,
          [tenantId, parentId, name, id],
        );
        if (dup) throw fieldError('name', 'department_name_taken');
        const headUserId = input.headUserId === undefined ? d.head_user_id : input.headUserId;
        if (headUserId && headUserId !== d.head_user_id) {
          const u = await tx.maybeOne<{ status: string }>(`SELECT status FROM users WHERE tenant_id = $1 AND id = $2`, [tenantId, headUserId]);
          if (!u || u.status !== 'active') throw fieldError('headUserId', 'user_not_found');
        }
        await tx.execute(`UPDATE departments SET name = $3, parent_id = $4, head_user_id = $5 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, name, parentId, headUserId]);
        const actor = actorOfAuth(auth);
        const reason = why(input.reason);
        const names = await departmentNames(tx, tenantId);
        const base = { tenantId, actor, subjectType: 'department', subjectId: id, subjectLabel: name, reason };
        if (name !== d.name) await repo.recordHistory(tx, { ...base, kind: 'department.rename', before: { name: d.name }, after: { name } });
        if (parentId !== d.parent_id) {
          await repo.recordHistory(tx, {
            ...base, kind: 'department.move',
            before: { parentId: d.parent_id, parentName: d.parent_id ? (names.get(d.parent_id) ?? null) : null },
            after: { parentId, parentName: parentId ? (names.get(parentId) ?? null) : null },
          });
        }
        if (headUserId !== d.head_user_id) {
          const emails = new Map(
            (await tx.query<{ id: string; email: string }>(`SELECT id, email FROM users WHERE tenant_id = $1 AND id = ANY ($2::uuid[])`, [tenantId, [d.head_user_id, headUserId].filter(Boolean)])).map((u) => [u.id, u.email]),
          );
          await repo.recordHistory(tx, {
            ...base, kind: 'department.head',
            before: { headUserId: d.head_user_id, head: d.head_user_id ? (emails.get(d.head_user_id) ?? null) : null },
            after: { headUserId, head: headUserId ? (emails.get(headUserId) ?? null) : null },
          });
        }
        await audit.record(tx, { tenantId, actor, action: 'department.update', objectType: 'department', objectId: id, details: { name, parentId, headUserId, reason }, meta });
        return { id, name, parentId, headUserId };
      });
    },
    async deleteDepartment(auth: Auth, id: string, meta: RequestMeta, reason?: string) {
      const tenantId = tenantOfAuth(auth);
      await db.tenant(tenantId, async (tx) => {
        const inUse = await tx.maybeOne(
          `SELECT 1 WHERE EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND department_id = $2)
                    OR EXISTS (SELECT 1 FROM departments WHERE tenant_id = $1 AND parent_id = $2)
                    OR EXISTS (SELECT 1 FROM invitations WHERE tenant_id = $1 AND department_id = $2)`,
          [tenantId, id],
        );
        if (inUse) throw conflict('department_in_use');
        const d = await tx.maybeOne<{ name: string; parent_id: string | null }>(`SELECT name, parent_id FROM departments WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
        if (!d) throw notFound('department_not_found');
        const names = await departmentNames(tx, tenantId);
        await tx.execute(`DELETE FROM departments WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
        await repo.recordHistory(tx, {
          tenantId, actor: actorOfAuth(auth), kind: 'department.delete', subjectType: 'department', subjectId: id, subjectLabel: d.name,
          before: { name: d.name, parentId: d.parent_id, parentName: d.parent_id ? (names.get(d.parent_id) ?? null) : null }, after: null, reason: why(reason),
        });
        await audit.record(tx, { tenantId, actor: actorOfAuth(auth), action: 'department.delete', objectType: 'department', objectId: id, meta });
      });
    },

    // ---------------------------------------------------------------- roles -----------------------
    async listRoles(auth: Auth) {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) => (await repo.roles(tx, tenantId)).map(roleView));
    },
    /** The catalogue a tenant admin may assign: only entitled modules. */
    async assignableCatalog(auth: Auth) {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) => {
        const ent = await entitlementsOf(tx, tenantId);
        return entitledPermissions(ent.modules).map((perm) => ({ key: perm, ...PERMISSIONS[perm] }));
      });
    },
    async saveRole(auth: Auth, id: string | null, input: { name: string; permissions: string[]; reason?: string }, meta: RequestMeta) {
      const tenantId = tenantOfAuth(auth);
      return guardEscalation(auth, meta, { type: 'role', id }, () => db.tenant(tenantId, async (tx) => {
        await repo.lockTenant(tx, tenantId);
        const ent = await entitlementsOf(tx, tenantId);
        const allowed = new Set<string>(entitledPermissions(ent.modules));
        const errors: FieldError[] = [];
        input.permissions.forEach((perm, i) => {
          if (!isPermission(perm)) errors.push({ path: `permissions.${i}`, code: 'permission_unknown', params: { permission: perm } });
          else if (!allowed.has(perm)) errors.push({ path: `permissions.${i}`, code: 'permission_not_entitled', params: { permission: perm, module: PERMISSIONS[perm].module } });
        });
        if (errors.length) throw invalid(errors);
        const permissions = sortPerms(input.permissions);
        // A role holds only what its editor holds (a tenant admin holds every entitled permission).
        const me = await standingOf(tx, tenantId, auth.user.id);
        if (!me.isAdmin) {
          const missing = permissions.filter((p) => !me.grants.has(p));
          if (missing.length) throw forbidden('role_exceeds_own_permissions', { role: input.name, permissions: missing.join(', '), permission: missing[0]! });
        }
        const sameName = await repo.roleByName(tx, tenantId, input.name);
        if (sameName && sameName.id !== id) throw fieldError('name', 'role_name_taken');
        const actor = actorOfAuth(auth);
        if (!id) {
          const newId = crypto.randomUUID();
          await repo.insertRole(tx, tenantId, { id: newId, key: `custom_${newId.slice(0, 8)}`, name: input.name, permissions, builtin: false });
          await repo.recordHistory(tx, { tenantId, actor, kind: 'role.create', subjectType: 'role', subjectId: newId, subjectLabel: input.name, before: null, after: { name: input.name, permissions }, reason: why(input.reason) });
          await audit.record(tx, { tenantId, actor, action: 'role.create', objectType: 'role', objectId: newId, details: { permissions }, meta });
          return roleView((await repo.role(tx, tenantId, newId))!);
        }
        const before = await repo.role(tx, tenantId, id);
        if (!before) throw notFound('role_not_found');
        if (before.builtin) throw forbidden('role_builtin_readonly');
        await repo.updateRole(tx, tenantId, id, input.name, permissions);
        await repo.recordHistory(tx, { tenantId, actor, kind: 'role.update', subjectType: 'role', subjectId: id, subjectLabel: input.name, before: { name: before.name, permissions: sortPerms(before.permissions) }, after: { name: input.name, permissions }, reason: why(input.reason) });
        await audit.record(tx, { tenantId, actor, action: 'role.update', objectType: 'role', objectId: id, details: { permissions }, meta });
        return roleView((await repo.role(tx, tenantId, id))!);
      }));
    },
    async deleteRole(auth: Auth, id: string, meta: RequestMeta, reason?: string) {
      const tenantId = tenantOfAuth(auth);
      await db.tenant(tenantId, async (tx) => {
        const r = await repo.role(tx, tenantId, id);
        if (!r) throw notFound('role_not_found');
        if (r.builtin) throw forbidden('role_builtin_readonly');
        if ((await repo.roleAssignments(tx, tenantId, id)).n > 0) throw conflict('role_in_use');
        await repo.deleteRole(tx, tenantId, id);
        await repo.recordHistory(tx, { tenantId, actor: actorOfAuth(auth), kind: 'role.delete', subjectType: 'role', subjectId: id, subjectLabel: r.name, before: { name: r.name, permissions: r.permissions }, after: null, reason: why(reason) });
        await audit.record(tx, { tenantId, actor: actorOfAuth(auth), action: 'role.delete', objectType: 'role', objectId: id, meta });
      });
    },

    // ---------------------------------------------------------------- entitlements (operator) -----
    async getTenantAccess(tenantId: string) {
      return db.platform(async (tx) => {
        const t = await tx.maybeOne<{ id: string; name: string; status: string; plan: string }>(`SELECT id, name, status, plan FROM tenants WHERE id = $1`, [tenantId]);
        if (!t) throw notFound('tenant_not_found');
        await tx.actAsTenant(tenantId);
        const ent = await entitlementsOf(tx, tenantId);
        const used = await repo.seatsUsed(tx, tenantId, ctx.now());
        const roles = (await repo.roles(tx, tenantId)).map(roleView);
        return { tenant: t, entitlements: { modules: ent.modules, seatLimit: ent.seatLimit, tier: ent.tier, updatedAt: ent.updatedAt }, seatsUsed: used.users + used.invitations, roles };
      });
    },
    async setEntitlements(actor: Actor, tenantId: string, input: { modules: string[]; seatLimit: number; tier: Level; reason: string }, meta: RequestMeta) {
      return db.platform(async (tx) => {
        const t = await tx.maybeOne(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId]);
        if (!t) throw notFound('tenant_not_found');
        await tx.actAsTenant(tenantId);
        const r = await applyEntitlements(tx, tenantId, input, actor, input.reason, null);
        await audit.record(tx, { tenantId: null, actor, action: 'platform.entitlements.update', objectType: 'tenant', objectId: tenantId, details: { after: { modules: r.modules, seatLimit: r.seatLimit, tier: r.tier } }, meta });
        return r;
      });
    },
    /** Used by tenants.setStatus inside its platform transaction (acting for the tenant). */
    async recordStatusChange(tx: Tx, tenantId: string, actor: Actor, before: string, after: string, reason: string) {
      await repo.recordHistory(tx, { tenantId, actor, kind: 'tenant.status', subjectType: 'tenant', subjectId: tenantId, before: { status: before }, after: { status: after }, reason });
      if (after === 'terminated') {
        await tx.execute(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'tenant_terminated' WHERE tenant_id = $1 AND revoked_at IS NULL`, [tenantId]);
      }
    },

    // ---------------------------------------------------------------- requests --------------------
    async createRequest(auth: Auth, input: { type: 'module' | 'tier' | 'seats'; module?: string; tier?: Level; seats?: number; reason: string }, meta: RequestMeta) {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) => {
        await repo.lockTenant(tx, tenantId);
        const ent = await entitlementsOf(tx, tenantId);
        if (input.type === 'module') {
          if (!input.module || !(ENTITLABLE_MODULES as string[]).includes(input.module)) throw fieldError('module', 'required');
          if (ent.modules.includes(input.module)) throw fieldError('module', 'module_already_entitled');
        }
        if (input.type === 'tier') {
          if (!input.tier) throw fieldError('tier', 'required');
          if (levelRank(input.tier) <= levelRank(ent.tier)) throw fieldError('tier', 'tier_not_higher', { tier: ent.tier });
        }
        if (input.type === 'seats') {
          if (!input.seats) throw fieldError('seats', 'required');
          if (input.seats <= ent.seatLimit) throw fieldError('seats', 'seats_not_higher', { limit: ent.seatLimit });
        }
        // One open request per module, per tier and for seats: a second one would only be decided twice.
        const pending = await tx.maybeOne<{ id: string }>(
          `SELECT id FROM permission_requests WHERE tenant_id = $1 AND status = 'pending' AND type = $2
              AND ($2 <> 'module' OR module = $3) AND ($2 <> 'tier' OR tier = $4)`,
          [tenantId, input.type, input.module ?? null, input.tier ?? null],
        );
        if (pending) throw conflict('request_duplicate', { id: pending.id });
        const id = crypto.randomUUID();
        await tx.execute(
          `INSERT INTO permission_requests (tenant_id, id, type, module, tier, seats, reason, requested_by, requested_by_label) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
          [tenantId, id, input.type, input.type === 'module' ? input.module : null, input.type === 'tier' ? input.tier : null, input.type === 'seats' ? input.seats : null, input.reason, auth.user.id, auth.user.email],
        );
        await repo.recordHistory(tx, {
          tenantId, actor: actorOfAuth(auth), kind: 'request.create', subjectType: 'request', subjectId: id,
          before: { modules: ent.modules, seatLimit: ent.seatLimit, tier: ent.tier }, after: { type: input.type, module: input.module, tier: input.tier, seats: input.seats }, reason: input.reason, requestId: id,
        });
        await audit.record(tx, { tenantId, actor: actorOfAuth(auth), action: 'access.request.create', objectType: 'permission_request', objectId: id, details: { type: input.type }, meta });
        return { id };
      });
    },
    async listRequests(scope: { tenantId: string } | { platform: true; status?: string; tenantId?: string }) {
      const run = async (tx: Tx) =>
        (
          await tx.query<Record<string, unknown>>(
            `SELECT r.*, t.name AS tenant_name FROM permission_requests r JOIN tenants t ON t.id = r.tenant_id
              WHERE ($1::uuid IS NULL OR r.tenant_id = $1) AND ($2::text IS NULL OR r.status = $2)
              ORDER BY r.requested_at DESC LIMIT 500`,
            ['tenantId' in scope ? (scope.tenantId ?? null) : null, 'status' in scope ? (scope.status ?? null) : null],
          )
        ).map((r) => ({
          id: r.id as string,
          tenantId: r.tenant_id as string,
          tenantName: r.tenant_name as string,
          type: r.type as string,
          module: r.module as string | null,
          tier: r.tier as string | null,
          seats: r.seats as number | null,
          reason: r.reason as string,
          status: r.status as string,
          requestedBy: r.requested_by_label as string | null,
          requestedAt: r.requested_at as Date,
          decidedBy: r.decided_by as string | null,
          decidedAt: r.decided_at as Date | null,
          comment: r.decision_comment as string | null,
          effectiveFrom: r.effective_from as Date | null,
          appliedAt: r.applied_at as Date | null,
        }));
      return 'platform' in scope ? db.platform(run) : db.tenant(scope.tenantId, run);
    },

    async decideRequest(actor: Actor, tenantId: string, id: string, decision: { approve: boolean; comment: string; effectiveFrom?: Date | null }, meta: RequestMeta) {
      return db.platform(async (tx) => {
        await tx.actAsTenant(tenantId);
        const r = await tx.maybeOne<{ status: string; type: string; module: string | null; tier: string | null; seats: number | null; reason: string }>(
          `SELECT status, type, module, tier, seats, reason FROM permission_requests WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
          [tenantId, id],
        );
        if (!r) throw notFound('request_not_found');
        if (r.status !== 'pending') throw conflict('request_not_pending', { status: r.status });
        const now = ctx.now();
        const effectiveFrom = decision.approve && decision.effectiveFrom && decision.effectiveFrom.getTime() > now.getTime() ? decision.effectiveFrom : null;
        await tx.execute(
          `UPDATE permission_requests SET status = $3, decided_by = $4, decided_at = $5, decision_comment = $6, effective_from = $7 WHERE tenant_id = $1 AND id = $2`,
          [tenantId, id, decision.approve ? 'approved' : 'rejected', actor.label ?? actor.id ?? null, now, decision.comment, effectiveFrom],
        );
        await repo.recordHistory(tx, {
          tenantId, actor, kind: decision.approve ? 'request.approve' : 'request.reject', subjectType: 'request', subjectId: id,
          before: { status: 'pending' }, after: { status: decision.approve ? 'approved' : 'rejected', effectiveFrom }, reason: decision.comment, requestId: id,
        });
        await audit.record(tx, { tenantId: null, actor, action: decision.approve ? 'platform.access.request.approve' : 'platform.access.request.reject', objectType: 'permission_request', objectId: id, details: { tenantId, effectiveFrom }, meta });
        if (decision.approve && !effectiveFrom) await applyRequest(tx, tenantId, id, r, actor);
        return { id, status: decision.approve ? (effectiveFrom ? 'approved' : 'applied') : 'rejected' };
      });
    },

    /** Applies approved requests whose effective date has come (job, hourly). */
    async applyDueRequests(): Promise<number> {
      const due = await db.platform((tx) =>
        tx.query<{ tenant_id: string; id: string }>(`SELECT tenant_id, id FROM permission_requests WHERE status = 'approved' AND effective_from <= $1`, [ctx.now()]),
      );
      for (const d of due) {
        await db.platform(async (tx) => {
          await tx.actAsTenant(d.tenant_id);
          const r = await tx.maybeOne<{ status: string; type: string; module: string | null; tier: string | null; seats: number | null; reason: string }>(
            `SELECT status, type, module, tier, seats, reason FROM permission_requests WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
            [d.tenant_id, d.id],
          );
          if (r?.status === 'approved') await applyRequest(tx, d.tenant_id, d.id, r, { kind: 'system', label: 'access.apply-due-requests' });
        });
      }
      return due.length;
    },

    // ---------------------------------------------------------------- history / denials -----------
    /**
     * Permission history, newest first. `limit` rows at most, after the keyset `cursor` (occurredAt, id) of the
     * previous page; CSV export pages through everything with it. With `exportedBy` (the first page of a CSV
     * download) the read itself is audited in the same transaction: `access.history.export` with the filter
     * (tenant chain, or the platform's).
     */
    async history(
      filter: { tenantId?: string | null; kind?: string | null; from?: Date | null; to?: Date | null; q?: string | null },
      platform: boolean,
      page: { limit?: number; cursor?: { occurredAt: Date; id: string } | null } = {},
      exportedBy?: { actor: Actor; meta: RequestMeta },
    ) {
      const limit = page.limit ?? HISTORY_PAGE;
      const run = async (tx: Tx) => {
        const rows = await tx.query<Record<string, unknown>>(
          `SELECT h.*, t.name AS tenant_name FROM permission_history h JOIN tenants t ON t.id = h.tenant_id
            WHERE ($1::uuid IS NULL OR h.tenant_id = $1) AND ($2::text IS NULL OR h.kind LIKE $2 || '%')
              AND ($3::timestamptz IS NULL OR h.occurred_at >= $3) AND ($4::timestamptz IS NULL OR h.occurred_at < $4)
              AND ($5::text IS NULL OR h.subject_label ILIKE '%' || $5 || '%' OR h.actor_label ILIKE '%' || $5 || '%' OR h.reason ILIKE '%' || $5 || '%')
              AND ($6::timestamptz IS NULL OR (h.occurred_at, h.id) < ($6::timestamptz, $7::uuid))
            ORDER BY h.occurred_at DESC, h.id DESC LIMIT $8`,
          [filter.tenantId ?? null, filter.kind ?? null, filter.from ?? null, filter.to ?? null, filter.q ?? null, page.cursor?.occurredAt ?? null, page.cursor?.id ?? null, limit],
        );
        if (exportedBy) {
          await audit.record(tx, {
            tenantId: platform ? null : filter.tenantId!,
            actor: exportedBy.actor,
            action: 'access.history.export',
            objectType: 'permission_history',
            objectId: filter.tenantId ?? null,
            details: { filter: { kind: filter.kind ?? null, q: filter.q ?? null, from: filter.from ?? null, to: filter.to ?? null, tenantId: filter.tenantId ?? null }, rows: rows.length },
            meta: exportedBy.meta,
          });
        }
        return rows;
      };
      const rows = platform ? await db.platform(run) : await db.tenant(filter.tenantId!, run);
      return rows.map((h) => ({
        id: h.id as string,
        tenantId: h.tenant_id as string,
        tenantName: h.tenant_name as string,
        occurredAt: h.occurred_at as Date,
        actor: (h.actor_label as string | null) ?? (h.actor_id as string | null) ?? (h.actor_kind as string),
        kind: h.kind as string,
        subjectType: h.subject_type as string,
        subjectId: h.subject_id as string | null,
        subjectLabel: h.subject_label as string | null,
        before: h.before as unknown,
        after: h.after as unknown,
        reason: h.reason as string | null,
        requestId: h.request_id as string | null,
      }));
    },
    async listDenials(auth: Auth) {
      const tenantId = tenantOfAuth(auth);
      return db.tenant(tenantId, async (tx) =>
        (
          await tx.query<Record<string, unknown>>(
            `SELECT d.*, u.email FROM denials d LEFT JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.user_id WHERE d.tenant_id = $1 ORDER BY d.occurred_at DESC LIMIT 500`,
            [tenantId],
          )
        ).map((d) => ({
          id: d.id as string,
          userId: d.user_id as string | null,
          email: d.email as string | null,
          permission: d.permission as string | null,
          level: d.level as string | null,
          reason: d.reason as string,
          objectType: d.object_type as string | null,
          objectId: d.object_id as string | null,
          ip: d.ip as string | null,
          occurredAt: d.occurred_at as Date,
        })),
      );
    },

    levels: LEVELS,

    // ---------------------------------------------------------------- over-reach audit ------------
    /** Weekly job: one report per tenant, each in its own tenant transaction. */
    runScheduledReports: overreach.runScheduledReports,
    async createReport(auth: Auth, meta: RequestMeta) {
      return overreach.createReportForTenant(tenantOfAuth(auth), actorOfAuth(auth), meta);
    },
    createReportAsOperator: overreach.createReportAsOperator,
    async listReports(auth: Auth) {
      return overreach.listReports({ tenantId: tenantOfAuth(auth) });
    },
    listAllReports: (tenantId: string | null) => overreach.listReports({ platform: true, tenantId }),
    async getReport(auth: Auth, id: string, meta: RequestMeta) {
      return overreach.getReport({ tenantId: tenantOfAuth(auth) }, id, actorOfAuth(auth), meta);
    },
    getReportAsOperator: (actor: Actor, tenantId: string, id: string, meta: RequestMeta) => overreach.getReport({ tenantId, platform: true }, id, actor, meta),
    async getAuditSettings(auth: Auth) {
      return overreach.getSettings(tenantOfAuth(auth));
    },
    async saveAuditSettings(auth: Auth, input: Parameters<typeof overreach.saveSettings>[2], meta: RequestMeta) {
      return overreach.saveSettings(tenantOfAuth(auth), actorOfAuth(auth), input, meta);
    },
    async listAlerts(auth: Auth) {
      return overreach.listAlerts({ tenantId: tenantOfAuth(auth) });
    },
    listAllAlerts: () => overreach.listAlerts({ platform: true }),
  };

  async function applyRequest(
    tx: Tx,
    tenantId: string,
    id: string,
    r: { type: string; module: string | null; tier: string | null; seats: number | null; reason: string },
    actor: Actor,
  ): Promise<void> {
    const ent = await entitlementsOf(tx, tenantId);
    const next = { modules: [...ent.modules], seatLimit: ent.seatLimit, tier: ent.tier };
    if (r.type === 'module' && r.module && !next.modules.includes(r.module)) next.modules.push(r.module);
    if (r.type === 'tier' && r.tier && levelRank(r.tier) > levelRank(next.tier)) next.tier = r.tier as Level;
    if (r.type === 'seats' && r.seats && r.seats > next.seatLimit) next.seatLimit = r.seats;
    await applyEntitlements(tx, tenantId, next, actor, r.reason, id);
    await tx.execute(`UPDATE permission_requests SET status = 'applied', applied_at = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, ctx.now()]);
  }
}

export type AccessService = ReturnType<typeof accessService>;
