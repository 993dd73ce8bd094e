import { z } from 'zod';
import { note } from '../../platform/http/fields.js';
import type { App } from '../../platform/http/app.js';
import { notFound } from '../../platform/http/errors.js';
import { authOf, requirePlatform, requireTenant, tenantOf } from '../security/guard.js';
import { actorOf } from '../security/service.js';
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
    async (req) => ({ items: await tenants.list(req.query, actorOf(authOf(req)), req.meta) }),
  );

  app.put(
    '/api/v1/platform/tenants/:id/status',
    {
      preHandler: requirePlatform('super_admin', 'billing_ops'),
      schema: {
        tags: ['platform'],
        summary: 'Set a tenant’s state: restricted = read-only, suspended = billing and export only, terminated = ends all sessions',
        params: z.object({ id: z.uuid() }),
        body: z.object({ status: z.enum(['active', 'restricted', 'suspended', 'terminated']), reason: note(2000, 1) }),
        response: { 200: tenantOut },
      },
    },
    async (req) => tenants.setStatus(actorOf(authOf(req)), req.params.id, req.body.status, req.body.reason, req.meta),
  );
}
