import { z } from 'zod';
import { limit, type App } from '../../platform/http/app.js';
import type { AppContext } from '../../platform/context.js';
import { CSRF_COOKIE, SESSION_COOKIE, authOf, requireAuth, requirePlatform } from './guard.js';
import type { Auth, SecurityService } from './service.js';

const userOut = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  kind: z.enum(['platform', 'tenant']),
  roles: z.array(z.string()),
  mustChangePassword: z.boolean(),
});
const tenantOut = z
  .object({ id: z.string(), name: z.string(), uscc: z.string(), status: z.string(), plan: z.string(), timeZone: z.string() })
  .nullable();
const meOut = z.object({ user: userOut, tenant: tenantOut });

const me = (a: Auth) => ({ user: a.user, tenant: a.tenant });

export function securityRoutes(app: App, ctx: AppContext, security: SecurityService): void {
  const cookieBase = { path: '/', secure: ctx.config.secureCookies, sameSite: 'lax' as const };

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password (platform and tenant users alike)',
        body: z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) }),
        response: { 200: meOut },
      },
      config: {
        rateLimit: {
          ...limit(10, '5 minutes'),
          // After the body is parsed, so that the key holds the e-mail: 10 tries per address and IP.
          hook: 'preHandler',
          keyGenerator: (req) => `login:${req.ip}:${String((req.body as { email?: string } | undefined)?.email ?? '').toLowerCase()}`,
        },
      },
    },
    async (req, reply) => {
      const { token, auth } = await security.login(req.body.email, req.body.password, req.meta);
      reply.setCookie(SESSION_COOKIE, token, { ...cookieBase, httpOnly: true, maxAge: ctx.config.sessionTtlSeconds });
      reply.setCookie(CSRF_COOKIE, auth.csrfToken, { ...cookieBase, httpOnly: false, sameSite: 'strict', maxAge: ctx.config.sessionTtlSeconds });
      return me(auth);
    },
  );

  app.post('/api/v1/auth/logout', { schema: { tags: ['auth'], summary: 'Sign out (ends this session)' } }, async (req, reply) => {
    if (req.auth) await security.logout(req.auth, req.meta);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
    reply.status(204).send();
  });

  app.post(
    '/api/v1/auth/password',
    {
      preHandler: requireAuth,
      schema: {
        tags: ['auth'],
        summary: 'Change your password (required after a system-issued one); ends your other sessions',
        body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(1).max(1024) }),
      },
      config: { rateLimit: limit(10, '5 minutes') },
    },
    async (req, reply) => {
      await security.changePassword(authOf(req), req.body.currentPassword, req.body.newPassword, req.meta);
      reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/me',
    { preHandler: requireAuth, schema: { tags: ['auth'], summary: 'The signed-in user and their tenant', response: { 200: meOut } } },
    async (req) => me(authOf(req)),
  );

  app.get(
    '/api/v1/platform/users',
    { preHandler: requirePlatform('super_admin'), schema: { tags: ['platform'], summary: 'Platform operators' } },
    async () => ({ items: await security.listPlatformUsers() }),
  );

  app.post(
    '/api/v1/platform/users',
    {
      preHandler: requirePlatform('super_admin'),
      schema: {
        tags: ['platform'],
        summary: 'Create a platform operator; the initial password is returned once and must be changed at first sign-in',
        body: z.object({
          email: z.string().trim().toLowerCase().pipe(z.email()),
          name: z.string().trim().min(1).max(100),
          roles: z.array(z.enum(['super_admin', 'reviewer', 'billing_ops', 'support_agent', 'security_officer', 'auditor'])).min(1),
        }),
      },
    },
    async (req, reply) => {
      const r = await security.createPlatformUser(authOf(req), req.body, req.meta);
      reply.status(201).send({ id: r.id, initialPassword: r.password });
    },
  );
}
