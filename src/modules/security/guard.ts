import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/app.js';
import { AppError } from '../../platform/http/errors.js';
import { timingSafeEqualStr } from '../../platform/crypto.js';
import type { Auth, SecurityService } from './service.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | null;
  }
}

export const SESSION_COOKIE = 'pactum_session';
export const CSRF_COOKIE = 'csrf_token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the session cookie on every API request, enforces the tenant's IP allow-list, and enforces
 * CSRF (double submit, bound to the session) on cookie-authenticated writes.
 */
let clock: () => Date = () => new Date();

/** Resolves an API key token into an Auth, or throws a readable 401/403 (access module: resolveApiKey). */
export type ApiKeyResolver = (token: string, ip: string | null, userAgent: string | null) => Promise<Auth>;

/**
 * What an API key may call: the tenant's business API. Sign-in, the caller's own account (factors, sessions,
 * training, notifications), personal acts that need a person (approval decisions, signatures) and the
 * management of keys themselves stay with people: 403 api_key_route_not_allowed.
 */
const API_KEY_ROUTES = /^\/api\/v1\/(contracts|contract-(templates|workflow|settings|dashboard|analytics|fields|departments|people)|access\/(?!api-keys)|audit-events$|tenant$)/;
const API_KEY_PERSONAL = /^\/api\/v1\/contracts\/:id\/(approve|return|reject|sign|decline)(\/|$)/;
export const apiKeyMayCall = (routeUrl: string) => API_KEY_ROUTES.test(routeUrl) && !API_KEY_PERSONAL.test(routeUrl);

export function installAuth(app: App, security: SecurityService, now?: () => Date, apiKeys?: ApiKeyResolver): void {
  if (now) clock = now;
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.url.startsWith('/api/')) return;
    // API keys: a bearer header wins over any cookie; no CSRF (no ambient credential is involved).
    // Other schemes (e.g. Basic added by a proxy) are not ours and are ignored.
    const authorization = req.headers.authorization;
    if (typeof authorization === 'string' && /^Bearer(\s|$)/i.test(authorization.trim())) {
      const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!m || !apiKeys) throw new AppError(401, 'api_key_invalid');
      const auth = await apiKeys(m[1]!, req.ip ?? null, req.headers['user-agent'] ?? null);
      if (req.routeOptions.url && !apiKeyMayCall(req.routeOptions.url)) throw new AppError(403, 'api_key_route_not_allowed');
      req.auth = auth;
      return;
    }
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return;
    const auth = await security.resolve(token, req.ip);
    if (!auth) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return;
    }
    if ('blocked' in auth) throw new AppError(403, 'ip_not_allowed', { ip: auth.blocked });
    if (!SAFE.has(req.method)) {
      const header = req.headers['x-csrf-token'];
      if (typeof header !== 'string' || !timingSafeEqualStr(header, auth.csrfToken)) {
        throw new AppError(403, 'csrf_failed');
      }
    }
    req.auth = auth;
  });
}

const PASSWORD_CHANGE_ALLOWED = new Set(['/api/v1/me', '/api/v1/auth/password', '/api/v1/auth/logout']);
/** While the policy asks for a second factor the session lacks, only enrolment is open. */
const MFA_SETUP_ALLOWED = /^\/api\/v1\/(me|auth\/logout|auth\/reauth(\/options|\/sms)?|security\/mfa(\/.*)?)$/;

function signedIn(req: FastifyRequest): Auth {
  if (!req.auth) throw new AppError(401, 'unauthenticated');
  const url = req.routeOptions.url ?? '';
  if (req.auth.user.mustChangePassword && !PASSWORD_CHANGE_ALLOWED.has(url)) {
    throw new AppError(403, 'password_change_required');
  }
  if (req.auth.user.mfaSetupRequired && !MFA_SETUP_ALLOWED.test(url)) {
    throw new AppError(403, 'mfa_setup_required');
  }
  return req.auth;
}

/** Any signed-in user. */
export const requireAuth = async (req: FastifyRequest) => {
  signedIn(req);
};

/** A platform operator holding one of the roles (super_admin holds them all). */
export const requirePlatform =
  (...roles: string[]) =>
  async (req: FastifyRequest) => {
    const auth = signedIn(req);
    if (auth.user.kind !== 'platform') throw new AppError(403, 'forbidden');
    if (roles.length && !auth.user.roles.includes('super_admin') && !roles.some((r) => auth.user.roles.includes(r))) {
      throw new AppError(403, 'forbidden');
    }
  };

/** A tenant user; the tenant is the session's. */
export const requireTenant = async (req: FastifyRequest) => {
  const auth = signedIn(req);
  if (auth.user.kind !== 'tenant' || !auth.tenant) throw new AppError(403, 'forbidden');
};

/**
 * A tenant user holding one of the built-in role keys. Deprecated for tenant routes: decide by catalogue
 * permission with requirePermission (access/guard.ts), which works for custom roles, follows entitlements
 * and tenant state, and records the denial.
 */
export const requireTenantRole =
  (...roles: string[]) =>
  async (req: FastifyRequest) => {
    const auth = signedIn(req);
    if (auth.user.kind !== 'tenant' || !auth.tenant) throw new AppError(403, 'forbidden');
    if (!roles.some((r) => auth.user.roles.includes(r))) throw new AppError(403, 'forbidden');
  };

/**
 * Sensitive actions: the caller must have proven their identity (sign-in or POST /api/v1/auth/reauth)
 * within the last `minutes`. Use as a preHandler after (or instead of) requireAuth.
 */
export const requireFreshAuth =
  (minutes: number = SENSITIVE_FRESH_MINUTES) =>
  async (req: FastifyRequest) => {
    const auth = signedIn(req);
    // A key has no person behind the request who could re-authenticate.
    if (auth.apiKey) throw new AppError(403, 'api_key_sensitive_action');
    const at = auth.reauthAt?.getTime() ?? 0;
    if (clock().getTime() - at > minutes * 60_000) throw new AppError(403, 'reauth_required', { minutes });
  };

/**
 * Minutes within which a sensitive action (factor, role, clearance/scope, entitlement changes, permission
 * request approval, export downloads, backup restore, refund approval) needs a sign-in or re-authentication.
 */
export const SENSITIVE_FRESH_MINUTES = 10;

/**
 * requireFreshAuth only when the request is sensitive, e.g. a GET that exports (`format=csv`) or a PATCH
 * that changes roles. Runs after validation (preHandler), so query and body are parsed.
 */
export const requireFreshAuthWhen =
  (sensitive: (req: FastifyRequest) => boolean, minutes: number = SENSITIVE_FRESH_MINUTES) =>
  async (req: FastifyRequest) => {
    if (sensitive(req)) await requireFreshAuth(minutes)(req);
  };

export function tenantOf(req: FastifyRequest): string {
  const t = req.auth?.tenant?.id;
  if (!t) throw new AppError(403, 'forbidden');
  return t;
}

export function authOf(req: FastifyRequest): Auth {
  if (!req.auth) throw new AppError(401, 'unauthenticated');
  return req.auth;
}
