import { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { Actor, RequestMeta } from '../../platform/audit.js';
import type { App } from '../../platform/http/app.js';
import { authOf, requireFreshAuth, requireFreshAuthWhen, requirePlatform, requireTenant, tenantOf } from '../security/guard.js';
import { actorOf } from '../security/service.js';
import { ENTITLABLE_MODULES, LEVELS, SCOPES } from './catalog.js';
import { requirePermission } from './guard.js';
import { HISTORY_PAGE, type AccessService } from './service.js';
import { note, plainText } from '../../platform/http/fields.js';

const uuid = z.uuid();
const idParam = z.object({ id: uuid });
const level = z.enum(LEVELS);
const scope = z.enum(SCOPES);
const text = (max: number) => plainText(1, max);
/** The optional "why" of a permission change (written to the permission history). */
const reason = note(500).optional();
const reasonBody = z.object({ reason }).nullish();
const reasonQuery = z.object({ reason });

const historyQuery = z.object({
  kind: z.string().trim().max(60).optional(),
  q: z.string().trim().max(100).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

const csvCell = (v: unknown) => {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
/** CSV lines (RFC 4180, CRLF) without header or BOM. */
const csvRows = (rows: unknown[][]): string => rows.map((r) => r.map(csvCell).join(',') + '\r\n').join('');

/** CSV (RFC 4180, UTF-8 with BOM for Excel); cells that a spreadsheet would run as formulas are neutralised. */
export function toCsv(header: string[], rows: unknown[][]): string {
  return '\uFEFF' + csvRows([header, ...rows]);
}

type HistoryItem = Awaited<ReturnType<AccessService['history']>>[number];
type HistoryFilter = Parameters<AccessService['history']>[0];
const CSV_PAGE = 2000;

/**
 * JSON: the newest HISTORY_PAGE rows and whether more exist (`truncated`). CSV: every matching row, streamed
 * page by page (keyset), so an export is never silently cut.
 */
async function sendHistory(
  reply: FastifyReply, access: AccessService, filter: HistoryFilter, platform: boolean, format: 'json' | 'csv', withTenant: boolean,
  reader: { actor: Actor; meta: RequestMeta },
) {
  if (format === 'json') {
    const rows = await access.history(filter, platform, { limit: HISTORY_PAGE + 1 });
    return { items: rows.slice(0, HISTORY_PAGE), truncated: rows.length > HISTORY_PAGE };
  }
  const header = [...(withTenant ? ['tenant'] : []), 'time', 'actor', 'kind', 'subject_type', 'subject', 'before', 'after', 'reason', 'request_id'];
  const line = (h: HistoryItem) => [
    ...(withTenant ? [h.tenantName] : []), h.occurredAt, h.actor, h.kind, h.subjectType, h.subjectLabel ?? h.subjectId, h.before, h.after, h.reason, h.requestId,
  ];
  async function* chunks() {
    yield toCsv(header, []);
    let cursor: { occurredAt: Date; id: string } | null = null;
    for (;;) {
      // The download itself is audited once, with the first page (access.history.export).
      const page: HistoryItem[] = await access.history(filter, platform, { limit: CSV_PAGE, cursor }, cursor ? undefined : reader);
      if (page.length) yield csvRows(page.map(line));
      if (page.length < CSV_PAGE) return;
      const last = page[page.length - 1]!;
      cursor = { occurredAt: last.occurredAt, id: last.id };
    }
  }
  reply
    .header('Content-Type', 'text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="permission-history-${new Date().toISOString().slice(0, 10)}.csv"`)
    .header('Cache-Control', 'private, no-store');
  return reply.send(Readable.from(chunks()));
}

export function accessRoutes(app: App, access: AccessService): void {
  const tags = ['access'];
  // Sensitive actions need a sign-in or re-authentication within the last minutes (403 reauth_required).
  const fresh = requireFreshAuth();
  const body = (req: { body?: unknown }) => (req.body ?? {}) as Record<string, unknown>;
  /** Granting roles or raising what a user may see (role, clearance, scope) is a role change. */
  const grantsAccess = requireFreshAuthWhen((req) => {
    const b = body(req);
    return (Array.isArray(b.roleIds) && b.roleIds.length > 0) || b.clearance !== undefined || b.scope !== undefined;
  });
  const csvExport = requireFreshAuthWhen((req) => (req.query as { format?: string } | undefined)?.format === 'csv');

  // ------------------------------------------------------------------ tenant console ------------
  app.get('/api/v1/access/me', { preHandler: requireTenant, schema: { tags, summary: 'Your effective permissions, entitlements and data clearance (evaluated now)' } }, async (req) =>
    access.me(authOf(req)),
  );

  const manageUsers = requirePermission('users.manage');
  app.get('/api/v1/access/users', { preHandler: manageUsers, schema: { tags, summary: 'Users of your tenant, with roles, data scope, last sign-in and seats' } }, async (req) =>
    access.listUsers(authOf(req)),
  );
  app.get('/api/v1/access/invitations', { preHandler: manageUsers, schema: { tags, summary: 'Invitations' } }, async (req) => ({ items: await access.listInvitations(authOf(req)) }));
  app.post(
    '/api/v1/access/invitations',
    {
      preHandler: [manageUsers, grantsAccess],
      schema: {
        tags,
        summary: 'Invite a user by e-mail (link valid 7 days, single use, only for that e-mail); counts against the seat limit',
        body: z.object({
          email: z.string().trim().min(3).max(254),
          roleIds: z.array(uuid).max(20).default([]),
          departmentId: uuid.nullish(),
          clearance: level.optional(),
          scope: scope.optional(),
          reason,
        }),
      },
    },
    async (req, reply) => {
      reply.status(201).send(await access.invite(authOf(req), { ...req.body, locale: req.locale }, req.meta));
    },
  );
  app.delete('/api/v1/access/invitations/:id', { preHandler: manageUsers, schema: { tags, summary: 'Revoke an open invitation (optional ?reason=)', params: idParam, querystring: reasonQuery } }, async (req, reply) => {
    await access.revokeInvitation(authOf(req), req.params.id, req.meta, req.query.reason);
    reply.status(204).send();
  });
  app.patch(
    '/api/v1/access/users/:id',
    {
      preHandler: [manageUsers, grantsAccess],
      schema: {
        tags,
        summary: 'Edit a user: name, roles, clearance (≤ tier), scope, department (roles, clearance and scope need a fresh re-authentication). Refused (403) when it would hand out more than you hold, or change your own roles / raise your own clearance or scope',
        params: idParam,
        body: z.object({
          name: text(100).optional(),
          roleIds: z.array(uuid).max(20).optional(),
          clearance: level.optional(),
          scope: scope.optional(),
          departmentId: uuid.nullable().optional(),
          reason: note(500).optional(),
        }),
      },
    },
    async (req) => access.updateUser(authOf(req), req.params.id, req.body, req.meta),
  );
  app.post('/api/v1/access/users/:id/disable', { preHandler: manageUsers, schema: { tags, summary: 'Disable a user; their sessions end at once', params: idParam, body: reasonBody } }, async (req) =>
    access.setUserStatus(authOf(req), req.params.id, 'disabled', req.meta, req.body?.reason),
  );
  app.post('/api/v1/access/users/:id/enable', { preHandler: manageUsers, schema: { tags, summary: 'Re-enable a user', params: idParam, body: reasonBody } }, async (req) =>
    access.setUserStatus(authOf(req), req.params.id, 'active', req.meta, req.body?.reason),
  );

  app.get('/api/v1/access/departments', { preHandler: manageUsers, schema: { tags, summary: 'Departments (a tree: parentId)' } }, async (req) => ({ items: await access.listDepartments(authOf(req)) }));
  app.post(
    '/api/v1/access/departments',
    { preHandler: manageUsers, schema: { tags, summary: 'Create a department', body: z.object({ name: text(100), parentId: uuid.nullish(), reason }) } },
    async (req, reply) => {
      reply.status(201).send(await access.createDepartment(authOf(req), req.body, req.meta));
    },
  );
  app.patch(
    '/api/v1/access/departments/:id',
    { preHandler: manageUsers, schema: { tags, summary: 'Rename or move a department, or set its head (approver of "department head" contract steps)', params: idParam, body: z.object({ name: text(100).optional(), parentId: uuid.nullable().optional(), headUserId: uuid.nullable().optional(), reason }) } },
    async (req) => access.updateDepartment(authOf(req), req.params.id, req.body, req.meta),
  );
  app.delete('/api/v1/access/departments/:id', { preHandler: manageUsers, schema: { tags, summary: 'Delete an empty department (optional ?reason=)', params: idParam, querystring: reasonQuery } }, async (req, reply) => {
    await access.deleteDepartment(authOf(req), req.params.id, req.meta, req.query.reason);
    reply.status(204).send();
  });

  const manageRoles = requirePermission('roles.manage');
  const roleBody = z.object({ name: text(60), permissions: z.array(z.string().max(60)).max(100), reason });
  app.get('/api/v1/access/roles', { preHandler: manageRoles, schema: { tags, summary: 'Roles of your tenant (built-in and custom)' } }, async (req) => ({ items: await access.listRoles(authOf(req)) }));
  app.get('/api/v1/access/catalog', { preHandler: manageRoles, schema: { tags, summary: 'Permissions you may assign (entitled modules only)' } }, async (req) => ({
    items: await access.assignableCatalog(authOf(req)),
  }));
  app.post('/api/v1/access/roles', { preHandler: [manageRoles, fresh], schema: { tags, summary: 'Create a custom role (422 for permissions outside the entitlements)', body: roleBody } }, async (req, reply) => {
    reply.status(201).send(await access.saveRole(authOf(req), null, req.body, req.meta));
  });
  app.put('/api/v1/access/roles/:id', { preHandler: [manageRoles, fresh], schema: { tags, summary: 'Update a custom role', params: idParam, body: roleBody } }, async (req) =>
    access.saveRole(authOf(req), req.params.id, req.body, req.meta),
  );
  app.delete('/api/v1/access/roles/:id', { preHandler: [manageRoles, fresh], schema: { tags, summary: 'Delete an unassigned custom role (optional ?reason=)', params: idParam, querystring: reasonQuery } }, async (req, reply) => {
    await access.deleteRole(authOf(req), req.params.id, req.meta, req.query.reason);
    reply.status(204).send();
  });

  app.get('/api/v1/access/requests', { preHandler: manageRoles, schema: { tags, summary: 'Your permission change requests' } }, async (req) => ({
    items: await access.listRequests({ tenantId: tenantOf(req) }),
  }));
  app.post(
    '/api/v1/access/requests',
    {
      preHandler: manageRoles,
      schema: {
        tags,
        summary: 'Request a module, a higher tier or more seats',
        body: z.object({
          type: z.enum(['module', 'tier', 'seats']),
          module: z.enum(ENTITLABLE_MODULES as [string, ...string[]]).optional(),
          tier: level.optional(),
          seats: z.number().int().min(1).max(100000).optional(),
          reason: text(2000),
        }),
      },
    },
    async (req, reply) => {
      reply.status(201).send(await access.createRequest(authOf(req), req.body, req.meta));
    },
  );

  // API keys (module api_access). The token is in the create response only; keys cannot manage keys.
  const manageKeys = requirePermission('api_keys.manage');
  app.get('/api/v1/access/api-keys', { preHandler: manageKeys, schema: { tags, summary: 'API keys of your tenant (prefix, role, expiry, last use and address, status) and the roles a new key may get' } }, async (req) =>
    access.listApiKeys(authOf(req)),
  );
  app.post(
    '/api/v1/access/api-keys',
    {
      preHandler: manageKeys,
      schema: {
        tags,
        summary: 'Create an API key with a name, a role and an optional expiry; the token (pk_…) is returned once, only its hash is kept',
        body: z.object({ name: text(80), roleId: uuid, expiresAt: z.iso.datetime({ offset: true }).nullish(), reason: note(500).optional() }),
      },
    },
    async (req, reply) => {
      const created = await access.createApiKey(authOf(req), req.body, req.meta);
      // The token is a secret shown once: no cache may keep it.
      reply.status(201).header('Cache-Control', 'no-store').send(created);
    },
  );
  app.post(
    '/api/v1/access/api-keys/:id/revoke',
    { preHandler: manageKeys, schema: { tags, summary: 'Revoke an API key (it stops working on its next request)', params: idParam, body: z.object({ reason: note(500).optional() }).nullish() } },
    async (req) => access.revokeApiKey(authOf(req), req.params.id, req.body?.reason || null, req.meta),
  );

  app.get('/api/v1/access/history', { preHandler: [requirePermission('audit.view'), csvExport], schema: { tags, summary: 'Permission history of your tenant (JSON or CSV; CSV needs a fresh re-authentication)', querystring: historyQuery } }, async (req, reply) =>
    sendHistory(reply, access, { ...req.query, tenantId: tenantOf(req) }, false, req.query.format, false, { actor: actorOf(authOf(req)), meta: req.meta }),
  );
  app.get('/api/v1/access/denials', { preHandler: requirePermission('audit.view'), schema: { tags, summary: 'Denied attempts in your tenant' } }, async (req) => ({
    items: await access.listDenials(authOf(req)),
  }));

  // Over-reach audit (reports, settings, alerts).
  const auditView = requirePermission('audit.view');
  const permKey = z.string().max(60);
  const settingsBody = z.object({
    sodPairs: z.array(z.tuple([permKey, permKey])).max(50),
    maxAdmins: z.number().int().min(1).max(1000),
    spikeThreshold: z.number().int().min(2).max(10000),
    reason,
  });
  app.get('/api/v1/access/reports', { preHandler: auditView, schema: { tags, summary: 'Over-reach audit reports of your tenant (newest first)' } }, async (req) => ({
    items: await access.listReports(authOf(req)),
  }));
  app.post('/api/v1/access/reports', { preHandler: auditView, schema: { tags, summary: 'Run the over-reach audit now; returns the stored report' } }, async (req, reply) => {
    reply.status(201).send(await access.createReport(authOf(req), req.meta));
  });
  app.get('/api/v1/access/reports/:id', { preHandler: auditView, schema: { tags, summary: 'One over-reach report with its findings', params: idParam } }, async (req) =>
    access.getReport(authOf(req), req.params.id, req.meta),
  );
  app.get('/api/v1/access/audit-settings', { preHandler: auditView, schema: { tags, summary: 'Separation-of-duty pairs, admin threshold, denial-spike threshold' } }, async (req) =>
    access.getAuditSettings(authOf(req)),
  );
  app.put('/api/v1/access/audit-settings', { preHandler: requirePermission('roles.manage'), schema: { tags, summary: 'Change the over-reach audit settings', body: settingsBody } }, async (req) =>
    access.saveAuditSettings(authOf(req), req.body as Parameters<AccessService['saveAuditSettings']>[1], req.meta),
  );
  app.get('/api/v1/access/alerts', { preHandler: auditView, schema: { tags, summary: 'Denial-spike alerts of your tenant' } }, async (req) => ({ items: await access.listAlerts(authOf(req)) }));

  app.get(
    '/api/v1/access/export',
    { preHandler: [requirePermission('data.export'), fresh], config: { tenantState: 'billing' }, schema: { tags, summary: 'Export your users, roles and departments (JSON); available while suspended; needs a fresh re-authentication' } },
    async (req) => access.exportDirectory(authOf(req), req.meta),
  );


  // ------------------------------------------------------------------ public invitations --------
  const token = z.object({ token: z.string().min(10).max(200) });
  app.get('/api/v1/invitations/:token', { schema: { tags: ['invitations'], summary: 'What an invitation is for (410 expired/used)', params: token } }, async (req) =>
    access.getInvitation(req.params.token),
  );
  app.post(
    '/api/v1/invitations/:token',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Accept: the invited e-mail sets name and password (single use)',
        params: token,
        body: z.object({ email: z.string().trim().min(3).max(254), name: text(100), password: z.string().min(1).max(1024) }),
      },
      config: { rateLimit: { max: 20, timeWindow: '10 minutes' } },
    },
    async (req, reply) => {
      reply.status(201).send(await access.acceptInvitation(req.params.token, req.body, req.meta));
    },
  );

  // ------------------------------------------------------------------ platform console ----------
  const ptags = ['platform: access'];
  // Same role sets as the operator pages (web/src/pages/platform/pageRoles.ts); super_admin passes every guard.
  const operatorView = requirePlatform('super_admin', 'auditor', 'billing_ops', 'support_agent');
  const historyView = requirePlatform('super_admin', 'auditor', 'billing_ops', 'support_agent', 'security_officer');
  const operatorEdit = requirePlatform('super_admin');
  app.get('/api/v1/platform/tenants/:id/access', { preHandler: operatorView, schema: { tags: ptags, summary: 'A tenant’s entitlements, seats, state and roles', params: idParam } }, async (req) =>
    access.getTenantAccess(req.params.id),
  );
  app.put(
    '/api/v1/platform/tenants/:id/entitlements',
    {
      preHandler: [operatorEdit, fresh],
      schema: {
        tags: ptags,
        summary: 'Set a tenant’s modules, seat limit and tier (roles follow at once); needs a fresh re-authentication',
        params: idParam,
        body: z.object({
          modules: z.array(z.enum(ENTITLABLE_MODULES as [string, ...string[]])).max(10),
          seatLimit: z.number().int().min(1).max(100000),
          tier: level,
          reason: text(2000),
        }),
      },
    },
    async (req) => access.setEntitlements(actorOf(authOf(req)), req.params.id, req.body, req.meta),
  );
  app.get(
    '/api/v1/platform/access/requests',
    { preHandler: operatorView, schema: { tags: ptags, summary: 'Permission change requests of all tenants', querystring: z.object({ status: z.enum(['pending', 'approved', 'rejected', 'applied']).optional(), tenantId: uuid.optional() }) } },
    async (req) => ({ items: await access.listRequests({ platform: true, status: req.query.status, tenantId: req.query.tenantId }) }),
  );
  const decideParams = z.object({ tenantId: uuid, id: uuid });
  app.post(
    '/api/v1/platform/access/requests/:tenantId/:id/approve',
    {
      preHandler: [operatorEdit, fresh],
      schema: { tags: ptags, summary: 'Approve (optionally effective from a date); the change is applied then; needs a fresh re-authentication', params: decideParams, body: z.object({ comment: note(2000).default(''), effectiveFrom: z.coerce.date().nullish() }) },
    },
    async (req) => access.decideRequest(actorOf(authOf(req)), req.params.tenantId, req.params.id, { approve: true, comment: req.body.comment, effectiveFrom: req.body.effectiveFrom ?? null }, req.meta),
  );
  app.post(
    '/api/v1/platform/access/requests/:tenantId/:id/reject',
    { preHandler: operatorEdit, schema: { tags: ptags, summary: 'Reject with a comment', params: decideParams, body: z.object({ comment: text(2000) }) } },
    async (req) => access.decideRequest(actorOf(authOf(req)), req.params.tenantId, req.params.id, { approve: false, comment: req.body.comment }, req.meta),
  );
  const securityView = requirePlatform('super_admin', 'security_officer', 'auditor');
  const securityRun = requirePlatform('super_admin', 'security_officer');
  app.get(
    '/api/v1/platform/access-reports',
    { preHandler: securityView, schema: { tags: ptags, summary: 'Over-reach reports of all tenants (newest first)', querystring: z.object({ tenantId: uuid.optional() }) } },
    async (req) => ({ items: await access.listAllReports(req.query.tenantId ?? null) }),
  );
  app.post('/api/v1/platform/tenants/:id/access-reports', { preHandler: securityRun, schema: { tags: ptags, summary: 'Run the over-reach audit of one tenant now', params: idParam } }, async (req, reply) => {
    reply.status(201).send(await access.createReportAsOperator(req.params.id, actorOf(authOf(req)), req.meta));
  });
  app.get(
    '/api/v1/platform/tenants/:tenantId/access-reports/:id',
    { preHandler: securityView, schema: { tags: ptags, summary: 'One over-reach report', params: z.object({ tenantId: uuid, id: uuid }) } },
    async (req) => access.getReportAsOperator(actorOf(authOf(req)), req.params.tenantId, req.params.id, req.meta),
  );
  app.get('/api/v1/platform/access/alerts', { preHandler: securityView, schema: { tags: ptags, summary: 'Denial-spike alerts of all tenants' } }, async () => ({ items: await access.listAllAlerts() }));
  app.get(
    '/api/v1/platform/access/history',
    { preHandler: [historyView, csvExport], schema: { tags: ptags, summary: 'Permission history of all tenants (JSON or CSV; CSV needs a fresh re-authentication)', querystring: historyQuery.extend({ tenantId: uuid.optional() }) } },
    async (req, reply) => sendHistory(reply, access, { ...req.query, tenantId: req.query.tenantId ?? null }, true, req.query.format, true, { actor: actorOf(authOf(req)), meta: req.meta }),
  );
}
