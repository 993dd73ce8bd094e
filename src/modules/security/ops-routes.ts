import { z } from 'zod';
import type { App } from '../../platform/http/app.js';
import type { AppContext } from '../../platform/context.js';
import { authOf, requirePlatform, requireTenant } from './guard.js';
import { requirePermission } from '../access/guard.js';
import { actorOf } from './service.js';
import { anomalyService } from './anomalies.js';
import { SEVERITIES, STATUSES, incidentService } from './incidents.js';
import { RULE_KEYS } from './anomalies.js';
import { containmentActions, containmentBody, type ContainmentDeps } from './containment.js';

const alertStatus = z.enum(['open', 'acknowledged', 'dismissed', 'escalated']).optional();
// A dismissal needs a reason: checked by the service (422 `note` reason_required), whatever the client sends.
const decision = z.object({ note: z.string().trim().max(2000).optional(), incidentId: z.uuid().optional() });
const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/);
const ruleSettings = z.object({
  enabled: z.boolean(),
  // Ranges are checked by the service (all errors at once, with their field paths).
  threshold: z.number().int().optional(),
  windowMinutes: z.number().int().optional(),
  lookbackDays: z.number().int().optional(),
});
const anomalySettingsIn = z.object({
  rules: z.partialRecord(z.enum(RULE_KEYS as [string, ...string[]]), ruleSettings),
  workingHours: z.object({ timeZone: z.string().trim().min(1).max(64).nullable(), days: z.array(z.number().int().min(1).max(7)).min(1).max(7), start: hhmm, end: hhmm }),
});
const longText = z.string().trim().min(1).max(10000);
const action = z.enum(['acknowledge', 'dismiss', 'escalate']);

/** Anomaly alerts and incidents. Returns the services so that main.ts can schedule the scan. */
export function opsRoutes(app: App, ctx: AppContext, deps: ContainmentDeps) {
  const anomalies = anomalyService(ctx);
  const incidents = incidentService(ctx, deps);
  const containBody = containmentBody(containmentActions(deps));
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

  app.get(
    '/api/v1/security/anomaly-settings',
    { preHandler: requirePermission('security.manage'), schema: { tags: ['security'], summary: 'Anomaly rule thresholds and working hours of your tenant (defaults when never set)' } },
    async (req) => anomalies.getSettings(authOf(req).tenant!.id),
  );
  app.put(
    '/api/v1/security/anomaly-settings',
    { preHandler: requirePermission('security.manage'), schema: { tags: ['security'], summary: 'Set the anomaly rule thresholds and working hours (zone, days, hours)', body: anomalySettingsIn } },
    async (req) => {
      const auth = authOf(req);
      return anomalies.setSettings(auth.tenant!.id, req.body as Parameters<typeof anomalies.setSettings>[1], actorOf(auth), req.meta);
    },
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
          tenantIds: z.array(z.uuid()).max(1000).optional(),
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
          z.object({ kind: z.literal('tenants'), add: z.array(z.uuid()).max(1000).optional(), remove: z.array(z.uuid()).max(1000).optional() }),
          z.object({ kind: z.literal('resolution'), resolution: longText }),
          z.object({ kind: z.literal('postmortem'), rootCause: longText, impact: longText, lessons: longText, actions: longText }),
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
        body: z.object({ tenantIds: z.array(z.uuid()).max(1000).optional(), message: z.string().trim().min(1).max(5000) }),
      },
    },
    async (req) => incidents.notifyTenants(req.params.id, req.body.tenantIds, req.body.message, actorOf(authOf(req)), req.meta),
  );
  app.post(
    '/api/v1/platform/security/incidents/:id/contain',
    {
      preHandler: officer,
      schema: {
        tags: ['platform'],
        summary: 'Carry out a containment action (lock_user, unlock_user, revoke_sessions, tenant_read_only, tenant_restore) and record it on the timeline',
        params: z.object({ id: z.uuid() }),
        body: containBody,
      },
    },
    async (req) => incidents.contain(req.params.id, req.body as Parameters<typeof incidents.contain>[1], actorOf(authOf(req)), req.meta),
  );
  app.get(
    '/api/v1/platform/security/tenant-users',
    {
      preHandler: officer,
      schema: { tags: ['platform'], summary: 'Users of a tenant, for picking whom to lock or sign out during an incident', querystring: z.object({ tenantId: z.uuid(), q: z.string().trim().max(100).optional() }) },
    },
    async (req) => ({ items: await incidents.tenantUsers(req.query.tenantId, req.query.q, actorOf(authOf(req)), req.meta) }),
  );
  app.get(
    '/api/v1/platform/security/tenant-api-keys',
    { preHandler: officer, schema: { tags: ['platform'], summary: 'API keys of a tenant, for picking which to revoke during an incident', querystring: z.object({ tenantId: z.uuid() }) } },
    async (req) => ({ items: await incidents.tenantApiKeys(req.query.tenantId, actorOf(authOf(req)), req.meta) }),
  );
  app.get(
    '/api/v1/platform/security/tenants',
    { preHandler: officer, schema: { tags: ['platform'], summary: 'Tenants (id, name, status), for picking the affected tenants of an incident', querystring: z.object({ q: z.string().trim().max(100).optional() }) } },
    async (req) => ({ items: await incidents.tenants(req.query.q) }),
  );
  return { anomalies, incidents };
}
