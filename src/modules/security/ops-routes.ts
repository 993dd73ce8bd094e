import { z } from 'zod';
import type { App } from '../../platform/http/app.js';
import type { AppContext } from '../../platform/context.js';
import { authOf, requirePlatform, requireTenant } from './guard.js';
import { requirePermission } from '../access/guard.js';
import { actorOf } from './service.js';
import { anomalyService } from './anomalies.js';
import { SEVERITIES, STATUSES, incidentService } from './incidents.js';

const alertStatus = z.enum(['open', 'acknowledged', 'dismissed', 'escalated']).optional();
const decision = z.object({ note: z.string().trim().max(2000).optional(), incidentId: z.uuid().optional() });
const action = z.enum(['acknowledge', 'dismiss', 'escalate']);

/** Anomaly alerts and incidents. Returns the services so that main.ts can schedule the scan. */
export function opsRoutes(app: App, ctx: AppContext) {
  const anomalies = anomalyService(ctx);
  const incidents = incidentService(ctx);
  const officer = requirePlatform('security_officer');

  // Alerts: tenant admins for their tenant ----------------------------------------------------------
  app.get(
    '/api/v1/security/alerts',
    { preHandler: requirePermission('audit.view'), schema: { tags: ['security'], summary: "Your tenant's security alerts (audit.view)", querystring: z.object({ status: alertStatus }) } },
    async (req) => ({ items: await anomalies.list({ tenantId: authOf(req).tenant!.id }, req.query.status) }),
  );
  app.post(
    '/api/v1/security/alerts/:id/:action',
    {
      preHandler: requirePermission('security.manage'),
      schema: { tags: ['security'], summary: 'Acknowledge, dismiss or escalate (to the platform) an alert (security.manage)', params: z.object({ id: z.uuid(), action }), body: decision.omit({ incidentId: true }) },
    },
    async (req) => {
      const auth = authOf(req);
      return anomalies.decide({ tenantId: auth.tenant!.id }, auth.tenant!.id, req.params.id, req.params.action, req.body, actorOf(auth), req.meta);
    },
  );
  app.get(
    '/api/v1/security/incident-notices',
    { preHandler: requireTenant, schema: { tags: ['security'], summary: 'Security incident notices the platform sent to your tenant' } },
    async (req) => ({ items: await incidents.notices(authOf(req).tenant!.id) }),
  );

  // Platform security officer ----------------------------------------------------------------------------
  app.post(
    '/api/v1/platform/security/anomalies/scan',
    { preHandler: officer, schema: { tags: ['platform'], summary: 'Run the anomaly rules over every audit chain now (also runs every 5 minutes)' } },
    async () => anomalies.scan(),
  );
  app.get(
    '/api/v1/platform/security/alerts',
    { preHandler: officer, schema: { tags: ['platform'], summary: 'Security alerts of every tenant and the platform', querystring: z.object({ status: alertStatus, tenantId: z.uuid().optional() }) } },
    async (req) => ({ items: await anomalies.list({ platform: true, tenantId: req.query.tenantId }, req.query.status) }),
  );
  app.post(
    '/api/v1/platform/security/alerts/:chain/:id/:action',
    {
      preHandler: officer,
      schema: {
        tags: ['platform'],
        summary: 'Acknowledge, dismiss or escalate an alert; escalate with incidentId links it to an incident',
        params: z.object({ chain: z.uuid(), id: z.uuid(), action }),
        body: decision,
      },
    },
    async (req) => anomalies.decide({ platform: true }, req.params.chain, req.params.id, req.params.action, req.body, actorOf(authOf(req)), req.meta),
  );

  app.get('/api/v1/platform/security/incidents', { preHandler: officer, schema: { tags: ['platform'], summary: 'Security incidents' } }, async () => ({
    items: await incidents.list(),
  }));
  app.post(
    '/api/v1/platform/security/incidents',
    {
      preHandler: officer,
      schema: {
        tags: ['platform'],
        summary: 'Open an incident; 较大 (major) or worse starts the 4-hour regulator deadline from detection',
        body: z.object({
          title: z.string().trim().min(1).max(200),
          description: z.string().trim().max(10000).default(''),
          severity: z.enum(SEVERITIES),
          detectedAt: z.iso.datetime({ offset: true }).optional(),
        }),
      },
    },
    async (req, reply) => reply.status(201).send(await incidents.create(req.body, actorOf(authOf(req)), req.meta)),
  );
  app.get(
    '/api/v1/platform/security/incidents/:id',
    { preHandler: officer, schema: { tags: ['platform'], summary: 'An incident with its timeline', params: z.object({ id: z.uuid() }) } },
    async (req) => incidents.get(req.params.id),
  );
  app.post(
    '/api/v1/platform/security/incidents/:id/events',
    {
      preHandler: officer,
      schema: {
        tags: ['platform'],
        summary: 'Add to the timeline: a note, a containment action, a status or severity change, the regulator report',
        params: z.object({ id: z.uuid() }),
        body: z.discriminatedUnion('kind', [
          z.object({ kind: z.enum(['note', 'containment']), text: z.string().trim().min(1).max(5000) }),
          z.object({ kind: z.literal('status'), status: z.enum(STATUSES) }),
          z.object({ kind: z.literal('severity'), severity: z.enum(SEVERITIES) }),
          z.object({ kind: z.literal('regulator_reported'), reference: z.string().trim().min(1).max(200), reportedAt: z.iso.datetime({ offset: true }).optional() }),
        ]),
      },
    },
    async (req) => incidents.update(req.params.id, req.body, actorOf(authOf(req)), req.meta),
  );
  app.post(
    '/api/v1/platform/security/incidents/:id/notify',
    {
      preHandler: officer,
      schema: {
        tags: ['platform'],
        summary: 'Notify affected tenants (a notice in their portal and a mail to their admins)',
        params: z.object({ id: z.uuid() }),
        body: z.object({ tenantIds: z.array(z.uuid()).min(1).max(1000), message: z.string().trim().min(1).max(5000) }),
      },
    },
    async (req) => incidents.notifyTenants(req.params.id, req.body.tenantIds, req.body.message, actorOf(authOf(req)), req.meta),
  );
  return { anomalies, incidents };
}
