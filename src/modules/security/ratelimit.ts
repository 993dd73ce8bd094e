import type { FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/app.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/http/errors.js';

/**
 * Per-tenant request budget, on top of the per-IP limit of the HTTP shell: every API request of a
 * signed-in tenant user counts against `tenant:<tenant id>` — the tenant comes from the session (never
 * from the client), so one tenant cannot exhaust the service for the others by spreading over many
 * addresses. The budget per minute is `PACTUM_TENANT_RATE_LIMIT` (default 3000), or the tenant plan's
 * value from `PACTUM_TENANT_RATE_LIMIT_PLANS` (`trial=1200,enterprise=20000`), times
 * PACTUM_RATE_LIMIT_SCALE. Over budget: 429 `tenant_rate_limited` with Retry-After.
 * Must be installed after installAuth (hooks run in registration order).
 */
export function installTenantRateLimit(app: App, ctx: AppContext): void {
  const { tenantRateLimitPerMinute: base, tenantRateLimitPlans: plans, rateLimitScale: scale } = ctx.config;
  const budget = (plan: string | undefined) => Math.max(1, Math.round((plans[plan ?? ''] ?? base) * scale));
  const limiter = app.createRateLimit({
    timeWindow: 60_000,
    keyGenerator: (req: FastifyRequest) => `tenant:${req.auth?.tenant?.id ?? ''}`,
    max: (req: FastifyRequest) => budget(req.auth?.tenant?.plan),
  });
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/') || !req.auth?.tenant) return;
    const r = await limiter(req);
    // isAllowed means "not counted" (allow-list); a counted request is refused only when over the budget.
    if (r.isAllowed || !r.isExceeded) return;
    const seconds = Math.max(1, r.ttlInSeconds);
    reply.header('Retry-After', String(seconds));
    throw new AppError(429, 'tenant_rate_limited', { seconds, limit: r.max }, [], { 'Retry-After': String(seconds) });
  });
}
