import { z } from 'zod';
import type { App } from '../../platform/http/app.js';
import { notFound } from '../../platform/http/errors.js';
import { requirePlatform, requireTenant, tenantOf } from '../security/guard.js';
import type { TenantsService } from './service.js';

const tenantOut = z.object({
  id: z.string(),
  name: z.string(),
  uscc: z.string(),
  status: z.string(),
  plan: z.string(),
  timeZone: z.string(),
  createdAt: z.date(),
});

export function tenantsRoutes(app: App, tenants: TenantsService): void {
  app.get(
    '/api/v1/tenant',
    { preHandler: requireTenant, schema: { tags: ['tenant'], summary: 'Your tenant', response: { 200: tenantOut } } },
    async (req) => {
      const t = await tenants.get(tenantOf(req));
      if (!t) throw notFound();
      return t;
    },
  );

  app.get(
    '/api/v1/platform/tenants',
    {
      preHandler: requirePlatform(),
      schema: {
        tags: ['platform'],
        summary: 'All tenants',
        querystring: z.object({ q: z.string().trim().max(100).optional(), status: z.enum(['active', 'restricted', 'suspended', 'terminated']).optional() }),
        response: { 200: z.object({ items: z.array(tenantOut) }) },
      },
    },
    async (req) => ({ items: await tenants.list(req.query) }),
  );
}
