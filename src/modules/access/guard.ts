import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/app.js';
import { AppError } from '../../platform/http/errors.js';
import { SESSION_COOKIE, requireTenant } from '../security/guard.js';
import type { Permission } from './catalog.js';
import { denialParams } from './policy.js';
import type { AccessService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    access: AccessService;
  }
  interface FastifyContextConfig {
    /**
     * `billing`: the route stays usable while the tenant is suspended, and writes stay allowed while it is
     * restricted (billing, payment and data export routes). Every other route follows the tenant state.
     */
    tenantState?: 'billing';
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Routes a signed-in user of a restricted or suspended tenant still needs (sign-out, who am I, why). */
const ALWAYS = new Set(['/api/v1/me', '/api/v1/tenant', '/api/v1/auth/logout', '/api/v1/auth/password', '/api/v1/access/me', '/api/v1/auth/login']);

/**
 * Tenant state on every request: suspended tenants reach only billing/export routes (403 tenant_suspended),
 * restricted tenants cannot write (403 tenant_read_only). A cookie whose session was ended because the user
 * was disabled or the tenant terminated gets a readable 401 instead of a bare "unauthenticated".
 * Must be installed after security's installAuth (hooks run in registration order).
 */
export function installAccess(app: App, access: AccessService): void {
  app.decorate('access', access);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.url.startsWith('/api/')) return;
    const url = req.routeOptions.url ?? '';
    const auth = req.auth;
    if (!auth) {
      const token = req.cookies[SESSION_COOKIE];
      if (token && !ALWAYS.has(url)) {
        const why = await access.explainDeadSession(token);
        if (why) {
          reply.clearCookie(SESSION_COOKIE, { path: '/' });
          throw new AppError(401, why);
        }
      }
      return;
    }
    if (auth.user.kind !== 'tenant' || !auth.tenant || ALWAYS.has(url)) return;
    const exempt = req.routeOptions.config?.tenantState === 'billing';
    const status = auth.tenant.status;
    let reason: 'tenant_suspended' | 'tenant_read_only' | null = null;
    if (status === 'suspended' && !exempt) reason = 'tenant_suspended';
    else if (status === 'restricted' && !SAFE.has(req.method) && !exempt) reason = 'tenant_read_only';
    if (reason) {
      await access.recordDenial(auth, { permission: null, reason, objectType: 'route', objectId: `${req.method} ${url}` }, req.meta);
      throw new AppError(403, reason);
    }
  });
}

/**
 * Route guard: the signed-in tenant user must hold the permission now (roles ∩ entitlements ∩ tenant
 * state, read from the database on this request). A denial is recorded (denials + audit 'denied').
 */
export function requirePermission(perm: Permission) {
  return async (req: FastifyRequest) => {
    await requireTenant(req);
    const auth = req.auth!;
    const access = req.server.access;
    const d = await access.check(auth, perm);
    if (!d.allowed) {
      await access.recordDenial(auth, { permission: perm, reason: d.reason, objectType: 'route', objectId: `${req.method} ${req.routeOptions.url ?? ''}` }, req.meta);
      throw new AppError(403, d.reason, denialParams(d, perm));
    }
  };
}
