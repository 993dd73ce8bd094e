import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { AppError, invalid, unauthorized } from '../../platform/http/errors.js';
import { randomToken, sha256 } from '../../platform/crypto.js';
import { emailKey } from '../../platform/validation.js';
import { securityRepo as repo, type TenantRow, type UserRow } from './repo.js';
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from '../../platform/passwords.js';

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  kind: 'platform' | 'tenant';
  roles: string[];
  mustChangePassword: boolean;
}

export interface AuthTenant {
  id: string;
  name: string;
  uscc: string;
  status: string;
  plan: string;
  timeZone: string;
}

/** What a signed-in request knows about its caller. The tenant comes from here and nowhere else. */
export interface Auth {
  sessionId: string;
  csrfToken: string;
  user: AuthUser;
  tenant: AuthTenant | null;
}

export function actorOf(auth: Auth): Actor {
  return {
    kind: auth.user.kind === 'platform' ? 'platform_user' : 'tenant_user',
    id: auth.user.id,
    label: auth.user.email,
  };
}

function toUser(u: UserRow, kind: 'platform' | 'tenant'): AuthUser {
  return { id: u.id, email: u.email, name: u.name, kind, roles: u.roles ?? [], mustChangePassword: u.must_change_password };
}

function toTenant(t: TenantRow): AuthTenant {
  return { id: t.id, name: t.name, uscc: t.uscc, status: t.status, plan: t.plan, timeZone: t.time_zone };
}

export interface LoginResult {
  token: string;
  auth: Auth;
}

export function securityService(ctx: AppContext) {
  const { db } = ctx;

  async function loadUser(
    tx: Tx,
    kind: 'platform' | 'tenant',
    tenantId: string | null,
    userId: string,
  ): Promise<{ user: UserRow; tenant: TenantRow | null } | null> {
    if (kind === 'platform') {
      const user = await repo.platformUser(tx, userId);
      return user ? { user, tenant: null } : null;
    }
    await tx.actAsTenant(tenantId!);
    const user = await repo.tenantUser(tx, tenantId!, userId);
    const tenant = await repo.tenant(tx, tenantId!);
    return user && tenant ? { user, tenant } : null;
  }

  return {
    /**
     * Password sign-in for platform and tenant users alike. Every sign-in issues a new session id; the
     * outcome (including failures) is audited on the chain of the user's tenant (or the platform's).
     */
    async login(email: string, password: string, meta: RequestMeta): Promise<LoginResult> {
      const key = emailKey(email);
      const found = await db.platform(async (tx) => {
        const ident = await repo.findIdentity(tx, key);
        if (!ident) return null;
        const loaded = await loadUser(tx, ident.kind, ident.tenant_id, ident.user_id);
        return loaded ? { ...loaded, kind: ident.kind } : null;
      });
      const ok = await verifyPassword(found?.user.password_hash, password);
      const tenantId = found?.tenant?.id ?? null;
      const fail = async (code: string, status: number, params: Record<string, string> = {}) => {
        await audit.recordAlone(db, {
          tenantId,
          actor: { kind: found ? (found.kind === 'platform' ? 'platform_user' : 'tenant_user') : 'anonymous', id: found?.user.id, label: key },
          action: 'auth.login',
          outcome: 'failure',
          details: { reason: code },
          meta,
        });
        return new AppError(status, code, params);
      };
      if (!found || !ok) throw await fail('invalid_credentials', 401);
      if (found.user.status !== 'active') throw await fail('account_disabled', 403);
      if (found.tenant && found.tenant.status === 'terminated') {
        throw await fail('tenant_not_active', 403, { status: found.tenant.status });
      }
      const token = randomToken(32);
      const csrf = randomToken(24);
      const sessionId = crypto.randomUUID();
      const now = ctx.now();
      await db.platform(async (tx) => {
        if (found.kind === 'tenant') await tx.actAsTenant(tenantId!);
        await repo.insertSession(tx, {
          id: sessionId,
          tokenHash: sha256(token),
          csrf,
          kind: found.kind,
          tenantId,
          userId: found.user.id,
          ip: meta.ip ?? null,
          ua: meta.userAgent?.slice(0, 512) ?? null,
          expiresAt: new Date(now.getTime() + ctx.config.sessionTtlSeconds * 1000),
        });
        if (found.kind === 'platform') await repo.markPlatformLogin(tx, found.user.id);
        else await repo.markTenantLogin(tx, tenantId!, found.user.id);
        await audit.record(tx, {
          tenantId,
          actor: { kind: found.kind === 'platform' ? 'platform_user' : 'tenant_user', id: found.user.id, label: found.user.email },
          action: 'auth.login',
          objectType: 'session',
          objectId: sessionId,
          meta,
        });
      });
      return {
        token,
        auth: {
          sessionId,
          csrfToken: csrf,
          user: toUser(found.user, found.kind),
          tenant: found.tenant ? toTenant(found.tenant) : null,
        },
      };
    },

    /**
     * Resolves a session cookie on every request: revoked, expired or idle sessions, disabled users and
     * terminated tenants stop working at once, not at the next sign-in.
     */
    async resolve(token: string): Promise<Auth | null> {
      if (!token || token.length > 100) return null;
      const now = ctx.now();
      return db.platform(async (tx) => {
        const s = await repo.sessionByHash(tx, sha256(token));
        if (!s || s.revoked_at) return null;
        if (s.expires_at.getTime() <= now.getTime()) return null;
        if (now.getTime() - s.last_seen_at.getTime() > ctx.config.sessionIdleSeconds * 1000) {
          await repo.revokeSession(tx, s.id, 'idle');
          return null;
        }
        const loaded = await loadUser(tx, s.kind, s.tenant_id, s.user_id);
        if (!loaded || loaded.user.status !== 'active') return null;
        if (loaded.tenant && loaded.tenant.status === 'terminated') return null;
        if (now.getTime() - s.last_seen_at.getTime() > 60_000) await repo.touchSession(tx, s.id, now);
        return {
          sessionId: s.id,
          csrfToken: s.csrf_token,
          user: toUser(loaded.user, s.kind),
          tenant: loaded.tenant ? toTenant(loaded.tenant) : null,
        };
      });
    },

    async logout(auth: Auth, meta: RequestMeta): Promise<void> {
      await db.platform(async (tx) => {
        if (auth.tenant) await tx.actAsTenant(auth.tenant.id);
        await repo.revokeSession(tx, auth.sessionId, 'logout');
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'auth.logout', objectType: 'session', objectId: auth.sessionId, meta });
      });
    },

    /** Changes the caller's password; other sessions of the user end; the system-issued flag clears. */
    async changePassword(auth: Auth, currentPassword: string, newPassword: string, meta: RequestMeta): Promise<void> {
      const errors = checkPasswordPolicy(newPassword, { email: auth.user.email, name: auth.user.name });
      if (currentPassword === newPassword) errors.push({ path: 'newPassword', code: 'password_reused' });
      const row = await db.platform(async (tx) => {
        const loaded = await loadUser(tx, auth.user.kind, auth.tenant?.id ?? null, auth.user.id);
        return loaded?.user;
      });
      if (!(await verifyPassword(row?.password_hash, currentPassword))) {
        await audit.recordAlone(db, {
          tenantId: auth.tenant?.id ?? null,
          actor: actorOf(auth),
          action: 'auth.password.change',
          outcome: 'failure',
          details: { reason: 'current_password_wrong' },
          meta,
        });
        throw new AppError(422, 'validation_failed', {}, [{ path: 'currentPassword', code: 'current_password_wrong' }]);
      }
      if (errors.length) throw invalid(errors);
      const hash = await hashPassword(newPassword);
      await db.platform(async (tx) => {
        if (auth.user.kind === 'platform') await repo.setPlatformPassword(tx, auth.user.id, hash);
        else {
          await tx.actAsTenant(auth.tenant!.id);
          await repo.setTenantPassword(tx, auth.tenant!.id, auth.user.id, hash);
        }
        await repo.revokeOtherSessions(tx, auth.user.id, auth.sessionId, 'password_changed');
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'auth.password.change', objectType: 'user', objectId: auth.user.id, meta });
      });
    },

    /**
     * First start: creates the super admin from PACTUM_ADMIN_EMAIL / PACTUM_ADMIN_PASSWORD, or with a
     * generated password that is returned (to be printed once) and must be changed at first sign-in.
     */
    async bootstrapAdmin(): Promise<{ created: false } | { created: true; email: string; password: string | null }> {
      const email = ctx.config.adminEmail ?? 'admin@pactum.local';
      const given = ctx.config.adminPassword;
      if (given) {
        const errs = checkPasswordPolicy(given, { email }, 'PACTUM_ADMIN_PASSWORD');
        if (errs.length) throw new Error(`PACTUM_ADMIN_PASSWORD is too weak (${errs.map((e) => e.code).join(', ')})`);
      }
      const password = given ?? generatePassword();
      const hash = await hashPassword(password);
      return db.platform(async (tx) => {
        const { n } = await repo.countPlatformUsers(tx);
        if (n > 0) return { created: false } as const;
        const id = crypto.randomUUID();
        await repo.insertPlatformUser(tx, { id, email, name: 'Super Admin', hash, roles: ['super_admin'], mustChange: !given });
        await repo.insertIdentity(tx, emailKey(email), 'platform', null, id);
        await audit.record(tx, { tenantId: null, actor: { kind: 'system', label: 'bootstrap' }, action: 'platform_user.create', objectType: 'platform_user', objectId: id, details: { roles: ['super_admin'] } });
        return { created: true, email, password: given ? null : password } as const;
      });
    },

    /** Creates a platform operator (reviewer, billing, ...) with a system-issued password. */
    async createPlatformUser(
      actor: Auth,
      input: { email: string; name: string; roles: string[] },
      meta: RequestMeta,
    ): Promise<{ id: string; password: string }> {
      const password = generatePassword();
      const hash = await hashPassword(password);
      const id = crypto.randomUUID();
      await db.platform(async (tx) => {
        if (await repo.findIdentity(tx, emailKey(input.email))) throw new AppError(409, 'email_taken');
        await repo.insertPlatformUser(tx, { id, email: input.email, name: input.name, hash, roles: input.roles, mustChange: true });
        await repo.insertIdentity(tx, emailKey(input.email), 'platform', null, id);
        await audit.record(tx, { tenantId: null, actor: actorOf(actor), action: 'platform_user.create', objectType: 'platform_user', objectId: id, details: { roles: input.roles }, meta });
      });
      return { id, password };
    },

    async listPlatformUsers() {
      return db.platform(async (tx) =>
        (await repo.listPlatformUsers(tx)).map((u) => ({
          id: u.id,
          email: u.email,
          name: u.name,
          roles: u.roles,
          status: u.status,
          lastLoginAt: u.last_login_at,
          createdAt: u.created_at,
        })),
      );
    },

    unauthorized,
  };
}

export type SecurityService = ReturnType<typeof securityService>;
