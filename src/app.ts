import type { AppContext } from './platform/context.js';
import { buildHttp, type App } from './platform/http/app.js';
import { securityService } from './modules/security/service.js';
import { installAuth } from './modules/security/guard.js';
import { installTenantRateLimit } from './modules/security/ratelimit.js';
import { securityRoutes } from './modules/security/routes.js';
import { auditRoutes } from './modules/security/audit-routes.js';
import { opsRoutes } from './modules/security/ops-routes.js';
import { trainingRoutes } from './modules/security/training.js';
import { accessService } from './modules/access/service.js';
import { installAccess } from './modules/access/guard.js';
import { accessRoutes } from './modules/access/routes.js';
import './modules/access/messages.js';
import { tenantsService } from './modules/tenants/service.js';
import { tenantsRoutes } from './modules/tenants/routes.js';
import { onboardingService } from './modules/onboarding/service.js';
import { onboardingRoutes } from './modules/onboarding/routes.js';
import './modules/onboarding/messages.js';
import { contractsService } from './modules/contracts/service.js';
import { contractsRoutes } from './modules/contracts/routes.js';
import './modules/contracts/messages.js';
import './modules/security/messages.js';

/** The services of every area, wired once. A module reaches another only through these. */
export function createServices(ctx: AppContext) {
  const security = securityService(ctx);
  const access = accessService(ctx);
  const tenants = tenantsService(ctx, access);
  const onboarding = onboardingService(ctx, tenants);
  const contracts = contractsService(ctx, access, security);
  return { security, access, tenants, onboarding, contracts };
}

export type Services = ReturnType<typeof createServices>;

export async function buildApp(ctx: AppContext): Promise<{ app: App; services: Services }> {
  const services = createServices(ctx);
  const app = await buildHttp(ctx);
  installAuth(app, services.security, () => ctx.now(), (token, ip, ua) => services.access.resolveApiKey(token, ip, ua));
  installTenantRateLimit(app, ctx);
  installAccess(app, services.access);
  securityRoutes(app, ctx, services.security);
  accessRoutes(app, services.access);
  auditRoutes(app, ctx);
  opsRoutes(app, ctx, { access: services.access, tenants: services.tenants });
  trainingRoutes(app, ctx);
  tenantsRoutes(app, services.tenants);
  onboardingRoutes(app, services.onboarding);
  contractsRoutes(app, services.contracts);
  await app.ready();
  return { app, services };
}
