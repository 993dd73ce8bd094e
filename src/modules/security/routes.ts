import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { limit, type App } from '../../platform/http/app.js';
import type { AppContext } from '../../platform/context.js';
import { CSRF_COOKIE, SESSION_COOKIE, SENSITIVE_FRESH_MINUTES, authOf, requireAuth, requireFreshAuth, requirePlatform } from './guard.js';
import { requirePermission } from '../access/guard.js';
import type { Auth, LoginResult, SecurityService } from './service.js';
import { MFA_METHODS } from './policy.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from './webauthn.js';

const userOut = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  kind: z.enum(['platform', 'tenant']),
  roles: z.array(z.string()),
  mustChangePassword: z.boolean(),
  mfaSetupRequired: z.boolean(),
});
const tenantOut = z
  .object({ id: z.string(), name: z.string(), uscc: z.string(), status: z.string(), plan: z.string(), timeZone: z.string() })
  .nullable();
const meOut = z.object({ user: userOut, tenant: tenantOut });
const mfaOut = z.object({
  mfaRequired: z.literal(true),
  challengeId: z.string(),
  methods: z.array(z.enum(MFA_METHODS)),
  webauthn: z.unknown().optional(),
});

const me = (a: Auth) => ({ user: a.user, tenant: a.tenant });
/** Minutes within which changing a factor needs a fresh sign-in or re-authentication. */
export const FACTOR_CHANGE_FRESH_MINUTES = SENSITIVE_FRESH_MINUTES;

const method = z.enum(MFA_METHODS);
const code = z.string().trim().min(4).max(32);
// The browser's WebAuthn JSON is verified cryptographically by @simplewebauthn/server.
const webauthnJson = z.record(z.string(), z.unknown());
const policyIn = z.object({
  mfaRequired: z.enum(['off', 'admins', 'all']),
  allowedMethods: z.array(method).min(1),
  passwordMinLength: z.number().int().min(10).max(128),
  sessionIdleMinutes: z.number().int().min(5).max(1440),
  sessionAbsoluteMinutes: z.number().int().min(15).max(10080),
  ipAllowlist: z.array(z.string().trim().min(1).max(64)).max(100),
  auditRetentionDays: z.number().int().max(36500),
});

export function securityRoutes(app: App, ctx: AppContext, security: SecurityService): void {
  // Secure when configured (https public URL, SECURE_COOKIES) or when this request came over TLS — directly,
  // or through a proxy's X-Forwarded-Proto when TRUST_PROXY is on.
  const secureFor = (reply: FastifyReply) => ctx.config.secureCookies || reply.request.protocol === 'https';
  const startSession = (reply: FastifyReply, r: LoginResult) => {
    const cookieBase = { path: '/', secure: secureFor(reply), sameSite: 'lax' as const };
    reply.setCookie(SESSION_COOKIE, r.token, { ...cookieBase, httpOnly: true, maxAge: ctx.config.sessionTtlSeconds });
    reply.setCookie(CSRF_COOKIE, r.auth.csrfToken, { ...cookieBase, httpOnly: false, sameSite: 'strict', maxAge: ctx.config.sessionTtlSeconds });
    return me(r.auth);
  };
  const fresh = requireFreshAuth(FACTOR_CHANGE_FRESH_MINUTES);

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Sign in with e-mail and password. Without a second factor: the session ({user, tenant}). With one: {mfaRequired, challengeId, methods} and no session yet; finish with /auth/login/mfa. Locked accounts get 423, locked addresses 429 (Retry-After).',
        body: z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) }),
        response: { 200: z.union([meOut, mfaOut]) },
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
      const r = await security.login(req.body.email, req.body.password, req.meta, req.locale);
      if (r.kind === 'mfa') return { mfaRequired: true as const, challengeId: r.challengeId, methods: r.methods, webauthn: r.webauthn };
      return startSession(reply, r);
    },
  );

  app.post(
    '/api/v1/auth/login/mfa',
    {
      schema: {
        tags: ['auth'],
        summary: 'Second sign-in step: a TOTP, SMS or recovery code, or a passkey assertion. Issues a new session.',
        body: z.object({ challengeId: z.string().min(10).max(100), method, code: code.optional(), webauthnResponse: webauthnJson.optional() }),
        response: { 200: meOut },
      },
      config: { rateLimit: limit(30, '5 minutes') },
    },
    async (req, reply) => {
      const r = await security.loginMfa(
        req.body.challengeId,
        req.body.method,
        { code: req.body.code, webauthnResponse: req.body.webauthnResponse as unknown as AuthenticationResponseJSON | undefined },
        req.meta,
        req.locale,
      );
      return startSession(reply, r);
    },
  );

  app.post(
    '/api/v1/auth/login/mfa/sms',
    {
      schema: { tags: ['auth'], summary: 'Send an SMS code for a pending sign-in to the verified number', body: z.object({ challengeId: z.string().min(10).max(100) }) },
      config: { rateLimit: limit(10, '10 minutes') },
    },
    async (req) => security.loginSendSms(req.body.challengeId, req.meta),
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

  app.post(
    '/api/v1/auth/password-reset',
    {
      schema: { tags: ['auth'], summary: 'Mail a single-use password reset link (always 202)', body: z.object({ email: z.string().trim().min(1).max(254) }) },
      config: { rateLimit: limit(5, '15 minutes') },
    },
    async (req, reply) => {
      await security.requestPasswordReset(req.body.email, req.meta, req.locale);
      reply.status(202).send({ accepted: true });
    },
  );

  app.post(
    '/api/v1/auth/password-reset/confirm',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a reset link; ends every session; the second factor is still needed at sign-in',
        body: z.object({ token: z.string().min(10).max(200), newPassword: z.string().min(1).max(1024) }),
      },
      config: { rateLimit: limit(10, '15 minutes') },
    },
    async (req, reply) => {
      await security.confirmPasswordReset(req.body.token, req.body.newPassword, req.meta);
      reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/auth/reauth',
    {
      preHandler: requireAuth,
      schema: {
        tags: ['auth'],
        summary:
          'Confirm your identity again (password, or a factor; SMS after /auth/reauth/sms) before a sensitive action. Issues a new session id: new cookies, and the new csrfToken is returned; the old session ends.',
        body: z
          .object({ password: z.string().min(1).max(1024).optional(), method: method.optional(), code: code.optional(), webauthnResponse: webauthnJson.optional() })
          .refine((b) => b.password !== undefined || b.method !== undefined, { message: 'required', path: ['password'] }),
      },
      // Re-authentication writes no tenant data: it stays usable while the tenant is restricted or suspended,
      // where the data export (which needs it) is still allowed.
      config: { rateLimit: limit(10, '5 minutes'), tenantState: 'billing' },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await security.reauth(
        authOf(req),
        { password: b.password, method: b.method, code: b.code, webauthnResponse: b.webauthnResponse as unknown as AuthenticationResponseJSON | undefined },
        req.meta,
        req.locale,
      );
      startSession(reply, r);
      return { reauthAt: r.auth.reauthAt, csrfToken: r.auth.csrfToken };
    },
  );

  app.post(
    '/api/v1/auth/reauth/sms',
    {
      preHandler: requireAuth,
      schema: { tags: ['auth'], summary: 'Send an SMS code for re-authentication to your verified number (when SMS is an allowed method)' },
      config: { rateLimit: limit(5, '10 minutes'), tenantState: 'billing' },
    },
    async (req) => security.reauthSendSms(authOf(req), req.meta),
  );

  app.post(
    '/api/v1/auth/reauth/options',
    { preHandler: requireAuth, config: { tenantState: 'billing' }, schema: { tags: ['auth'], summary: 'WebAuthn options for re-authenticating with a passkey' } },
    async (req) => security.reauthOptions(authOf(req)),
  );

  app.get(
    '/api/v1/me',
    { preHandler: requireAuth, schema: { tags: ['auth'], summary: 'The signed-in user and their tenant', response: { 200: meOut } } },
    async (req) => me(authOf(req)),
  );

  // Second factors --------------------------------------------------------------------------------------
  app.get('/api/v1/security/mfa', { preHandler: requireAuth, schema: { tags: ['security'], summary: 'Your second factors' } }, async (req) =>
    security.mfaStatus(authOf(req)),
  );
  app.post(
    '/api/v1/security/mfa/totp',
    { preHandler: fresh, schema: { tags: ['security'], summary: 'Start authenticator-app (TOTP) enrolment: otpauth URI and QR code' } },
    async (req) => security.totpBegin(authOf(req), req.meta),
  );
  app.post(
    '/api/v1/security/mfa/totp/confirm',
    {
      preHandler: fresh,
      schema: { tags: ['security'], summary: 'Confirm TOTP enrolment with a code; returns recovery codes once (first factor) and otherSessions', body: z.object({ code }) },
    },
    async (req) => security.totpConfirm(authOf(req), req.body.code, req.meta, req.locale),
  );
  app.delete('/api/v1/security/mfa/totp', { preHandler: fresh, schema: { tags: ['security'], summary: 'Remove the authenticator app' } }, async (req) =>
    security.removeFactor(authOf(req), 'totp', req.meta, req.locale),
  );
  app.post(
    '/api/v1/security/mfa/recovery-codes',
    { preHandler: fresh, schema: { tags: ['security'], summary: 'Replace your recovery codes (shown once)' } },
    async (req) => security.recoveryRegenerate(authOf(req), req.meta),
  );
  app.post(
    '/api/v1/security/mfa/webauthn/options',
    { preHandler: fresh, schema: { tags: ['security'], summary: 'Passkey registration options' } },
    async (req) => security.webauthnRegisterOptions(authOf(req)),
  );
  app.post(
    '/api/v1/security/mfa/webauthn',
    {
      preHandler: fresh,
      schema: { tags: ['security'], summary: 'Register a passkey', body: z.object({ response: webauthnJson, name: z.string().trim().min(1).max(60).default('Passkey') }) },
    },
    async (req, reply) => {
      const r = await security.webauthnRegister(authOf(req), req.body.response as unknown as RegistrationResponseJSON, req.body.name, req.meta, req.locale);
      reply.status(201).send(r);
    },
  );
  app.delete(
    '/api/v1/security/mfa/webauthn/:id',
    { preHandler: fresh, schema: { tags: ['security'], summary: 'Remove a passkey', params: z.object({ id: z.string().min(1).max(1024) }) } },
    async (req) => security.removeFactor(authOf(req), { passkey: req.params.id }, req.meta, req.locale),
  );
  app.post(
    '/api/v1/security/mfa/sms',
    {
      preHandler: fresh,
      schema: {
        tags: ['security'],
        summary: 'Set the phone for SMS codes; a verification code is sent to it',
        body: z.object({ phone: z.string().trim().regex(/^\+?[1-9]\d{6,14}$/, 'phone_invalid') }),
      },
      config: { rateLimit: limit(5, '10 minutes') },
    },
    async (req) => security.phoneBegin(authOf(req), req.body.phone, req.meta),
  );
  app.post(
    '/api/v1/security/mfa/sms/confirm',
    { preHandler: fresh, schema: { tags: ['security'], summary: 'Verify the phone with the code sent to it', body: z.object({ challengeId: z.string().min(10).max(100), code }) } },
    async (req) => security.phoneConfirm(authOf(req), req.body.challengeId, req.body.code, req.meta),
  );
  app.delete('/api/v1/security/mfa/sms', { preHandler: fresh, schema: { tags: ['security'], summary: 'Remove the SMS phone' } }, async (req) =>
    security.removeFactor(authOf(req), 'sms', req.meta, req.locale),
  );

  // Sessions ------------------------------------------------------------------------------------------------
  app.get('/api/v1/security/sessions', { preHandler: requireAuth, schema: { tags: ['security'], summary: 'Your active sessions (devices)' } }, async (req) => ({
    items: await security.listSessions(authOf(req)),
  }));
  app.delete(
    '/api/v1/security/sessions/:id',
    { preHandler: requireAuth, schema: { tags: ['security'], summary: 'End a session', params: z.object({ id: z.uuid() }) } },
    async (req, reply) => {
      await security.revokeSession(authOf(req), req.params.id, req.meta);
      reply.status(204).send();
    },
  );
  app.post(
    '/api/v1/security/sessions/end-others',
    { preHandler: requireAuth, schema: { tags: ['security'], summary: 'End all your other sessions' } },
    async (req) => security.revokeOtherSessions(authOf(req), req.meta),
  );
  app.get(
    '/api/v1/security/users/:userId/sessions',
    { preHandler: requirePermission('users.manage'), schema: { tags: ['security'], summary: "Users managers (users.manage): a user's sessions", params: z.object({ userId: z.uuid() }) } },
    async (req) => ({ items: await security.listSessions(authOf(req), req.params.userId) }),
  );
  app.delete(
    '/api/v1/security/users/:userId/sessions',
    { preHandler: requirePermission('users.manage'), schema: { tags: ['security'], summary: "Users managers (users.manage): end every session of a user", params: z.object({ userId: z.uuid() }) } },
    async (req) => security.revokeUserSessions(authOf(req), req.params.userId, req.meta),
  );

  // Policies ------------------------------------------------------------------------------------------------
  app.get('/api/v1/security/policy', { preHandler: requirePermission('security.manage'), schema: { tags: ['security'], summary: "Your tenant's security policy (security.manage)" } }, async (req) =>
    security.getPolicy(authOf(req), 'tenant'),
  );
  app.put(
    '/api/v1/security/policy',
    { preHandler: [requirePermission('security.manage'), fresh], schema: { tags: ['security'], summary: "Change your tenant's security policy (security.manage, fresh re-authentication)", body: policyIn } },
    async (req) => security.setPolicy(authOf(req), 'tenant', req.body, req.meta),
  );
  app.get(
    '/api/v1/platform/security/policy',
    { preHandler: requirePlatform('security_officer'), schema: { tags: ['platform'], summary: 'The security policy for platform operators' } },
    async (req) => security.getPolicy(authOf(req), 'platform'),
  );
  app.put(
    '/api/v1/platform/security/policy',
    { preHandler: [requirePlatform('security_officer'), fresh], schema: { tags: ['platform'], summary: 'Change the platform operators’ security policy', body: policyIn } },
    async (req) => security.setPolicy(authOf(req), 'platform', req.body, req.meta),
  );

  app.get(
    '/api/v1/platform/users',
    { preHandler: requirePlatform('super_admin'), schema: { tags: ['platform'], summary: 'Platform operators' } },
    async () => ({ items: await security.listPlatformUsers() }),
  );

  app.post(
    '/api/v1/platform/users',
    {
      preHandler: [requirePlatform('super_admin'), fresh],
      schema: {
        tags: ['platform'],
        summary: 'Create a platform operator with roles (fresh re-authentication); the initial password is returned once and must be changed at first sign-in',
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
