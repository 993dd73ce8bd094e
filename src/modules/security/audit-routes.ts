import { z } from 'zod';
import type { App } from '../../platform/http/app.js';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { PLATFORM_CHAIN, audit } from '../../platform/audit.js';
import { AppError } from '../../platform/http/errors.js';
import { authOf, requireFreshAuthWhen, requirePlatform } from './guard.js';
import { requirePermission } from '../access/guard.js';
import { actorOf } from './service.js';
import { CheckpointStore, verifyAll, verifyChain, writeCheckpoints } from './checkpoints.js';
import { applyRetention, retentionStatus } from './retention.js';

const filterIn = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  actor: z.string().trim().min(1).max(200).optional(),
  action: z.string().trim().min(1).max(100).optional(),
  object: z.string().trim().min(1).max(200).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  format: z.enum(['json', 'csv']).default('json'),
});
type Filter = z.infer<typeof filterIn>;

interface EventRow {
  seq: number;
  id: string;
  occurred_at: Date;
  actor_kind: string;
  actor_id: string | null;
  actor_label: string | null;
  on_behalf_of: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  ip: string | null;
  user_agent: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

const CSV_MAX = 50_000;

async function search(tx: Tx, chain: string, f: Filter, csv: boolean) {
  const where = `tenant_id = $1
    AND ($2::timestamptz IS NULL OR occurred_at >= $2) AND ($3::timestamptz IS NULL OR occurred_at < $3)
    AND ($4::text IS NULL OR actor_id = $4 OR actor_label ILIKE '%' || $4 || '%')
    AND ($5::text IS NULL OR action = $5 OR action LIKE $5 || '.%')
    AND ($6::text IS NULL OR object_id = $6 OR object_type = $6 OR (object_type || ':' || object_id) = $6)
    AND ($7::text IS NULL OR outcome = $7)`;
  const params = [chain, f.from ?? null, f.to ?? null, f.actor ?? null, f.action ?? null, f.object ?? null, f.outcome ?? null];
  const total = (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE ${where}`, params)).n;
  const limit = csv ? CSV_MAX : f.pageSize;
  const offset = csv ? 0 : (f.page - 1) * f.pageSize;
  const rows = await tx.query<EventRow>(
    `SELECT seq, id, occurred_at, actor_kind, actor_id, actor_label, on_behalf_of, action, object_type, object_id, ip, user_agent, outcome, details
       FROM audit_events WHERE ${where} ORDER BY seq DESC LIMIT ${limit} OFFSET ${offset}`,
    params,
  );
  return { total, rows };
}

const view = (r: EventRow) => ({
  seq: Number(r.seq),
  id: r.id,
  occurredAt: r.occurred_at,
  actor: { kind: r.actor_kind, id: r.actor_id, label: r.actor_label, onBehalfOf: r.on_behalf_of },
  action: r.action,
  object: { type: r.object_type, id: r.object_id },
  ip: r.ip,
  userAgent: r.user_agent,
  outcome: r.outcome,
  details: r.details,
});

/** RFC 4180 cells; a leading = + - @ is neutralised so that spreadsheets do not run it as a formula. */
function cell(v: unknown): string {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toCsv(rows: EventRow[]): string {
  const head = ['seq', 'occurred_at', 'actor_kind', 'actor_id', 'actor_label', 'on_behalf_of', 'action', 'object_type', 'object_id', 'outcome', 'ip', 'user_agent', 'details'];
  const lines = rows.map((r) =>
    [r.seq, r.occurred_at, r.actor_kind, r.actor_id, r.actor_label, r.on_behalf_of, r.action, r.object_type, r.object_id, r.outcome, r.ip, r.user_agent, r.details].map(cell).join(','),
  );
  return '\uFEFF' + [head.join(','), ...lines].join('\r\n') + '\r\n';
}

export function auditRoutes(app: App, ctx: AppContext): CheckpointStore {
  const store = new CheckpointStore(ctx.config.dataDir, ctx.config.auditSyslog);
  // Tenant side: the catalogue permission audit.view (built-in tenant_admin and auditor, or any custom role).
  const tenantReaders = requirePermission('audit.view');
  const platformReaders = requirePlatform('security_officer', 'auditor');
  // Downloading the log (CSV) is an export: it needs a fresh sign-in or re-authentication.
  const csvExport = requireFreshAuthWhen((req) => (req.query as { format?: string } | undefined)?.format === 'csv');

  app.get(
    '/api/v1/audit-events',
    { preHandler: [tenantReaders, csvExport], schema: { tags: ['audit'], summary: "Search your tenant's audit log (audit.view); format=csv exports (fresh re-authentication)", querystring: filterIn } },
    async (req, reply) => {
      const auth = authOf(req);
      const tenantId = auth.tenant!.id;
      const f = req.query;
      const csv = f.format === 'csv';
      const r = await ctx.db.tenant(tenantId, async (tx) => {
        const out = await search(tx, tenantId, f, csv);
        if (csv) await audit.record(tx, { tenantId, actor: actorOf(auth), action: 'audit.export', details: { filter: f, rows: out.rows.length }, meta: req.meta });
        return out;
      });
      if (csv) {
        reply.header('Content-Disposition', `attachment; filename="audit-${tenantId.slice(0, 8)}.csv"`).type('text/csv; charset=utf-8');
        return reply.send(toCsv(r.rows));
      }
      return { total: r.total, page: f.page, pageSize: f.pageSize, items: r.rows.map(view) };
    },
  );

  app.get(
    '/api/v1/platform/audit-events',
    {
      preHandler: [platformReaders, csvExport],
      schema: {
        tags: ['audit'],
        summary: 'Search an audit chain (the platform’s, or a tenant’s with tenantId); every read is recorded on the platform chain',
        querystring: filterIn.extend({ tenantId: z.uuid().optional() }),
      },
    },
    async (req, reply) => {
      const auth = authOf(req);
      const f = req.query;
      const chain = f.tenantId ?? PLATFORM_CHAIN;
      const csv = f.format === 'csv';
      const r = await ctx.db.platform(async (tx) => {
        const out = await search(tx, chain, f, csv);
        await audit.record(tx, { tenantId: null, actor: actorOf(auth), action: csv ? 'audit.export' : 'audit.search', objectType: 'audit_chain', objectId: chain, details: { filter: f, rows: out.rows.length }, meta: req.meta });
        return out;
      });
      if (csv) {
        reply.header('Content-Disposition', `attachment; filename="audit-${chain.slice(0, 8)}.csv"`).type('text/csv; charset=utf-8');
        return reply.send(toCsv(r.rows));
      }
      return { total: r.total, page: f.page, pageSize: f.pageSize, items: r.rows.map(view) };
    },
  );

  app.get(
    '/api/v1/security/audit/verify',
    {
      preHandler: async (req) => {
        const a = authOf(req);
        if (a.user.kind === 'tenant') return tenantReaders(req);
        return requirePlatform('security_officer')(req);
      },
      schema: {
        tags: ['audit'],
        summary: 'Verify audit chains (hashes, sequence, head, last signed checkpoint). Tenant: own chain; platform security officer: one (tenantId) or all',
        querystring: z.object({ tenantId: z.uuid().optional() }),
      },
    },
    async (req) => {
      const auth = authOf(req);
      let chains;
      if (auth.user.kind === 'tenant') chains = [await verifyChain(ctx, store, auth.tenant!.id)];
      else if (req.query.tenantId) {
        const exists = await ctx.db.platform((tx) => tx.maybeOne(`SELECT 1 FROM tenants WHERE id = $1`, [req.query.tenantId]));
        if (!exists) throw new AppError(404, 'chain_not_found');
        chains = [await verifyChain(ctx, store, req.query.tenantId)];
      } else chains = await verifyAll(ctx, store);
      const ok = chains.every((c) => c.ok);
      await audit.recordAlone(ctx.db, {
        tenantId: auth.tenant?.id ?? null,
        actor: actorOf(auth),
        action: 'audit.verify',
        outcome: ok ? 'success' : 'failure',
        details: { chains: chains.length, broken: chains.filter((c) => !c.ok).map((c) => ({ chain: c.chain, brokenAt: c.brokenAt ?? null, reason: c.reason ?? null })) },
        meta: req.meta,
      });
      return { ok, chains };
    },
  );

  app.post(
    '/api/v1/platform/security/audit/checkpoints',
    { preHandler: requirePlatform('security_officer'), schema: { tags: ['audit'], summary: 'Sign a checkpoint of every audit chain now (also runs hourly)' } },
    async (req) => {
      const r = await writeCheckpoints(ctx, store);
      await audit.recordAlone(ctx.db, { tenantId: null, actor: actorOf(authOf(req)), action: 'audit.checkpoint', details: r, meta: req.meta });
      return r;
    },
  );
  app.get(
    '/api/v1/security/audit/retention',
    { preHandler: tenantReaders, schema: { tags: ['audit'], summary: 'Audit retention in force for your tenant, the oldest kept event and the last archived segment' } },
    async (req) => retentionStatus(ctx, authOf(req).tenant!.id),
  );
  app.post(
    '/api/v1/platform/security/audit/retention',
    { preHandler: requirePlatform('security_officer'), schema: { tags: ['audit'], summary: 'Archive and prune checkpointed segments older than the retention period now (also runs daily)' } },
    async (req) => {
      const r = await applyRetention(ctx, store);
      await audit.recordAlone(ctx.db, { tenantId: null, actor: actorOf(authOf(req)), action: 'audit.retention.run', details: { chains: r.chains.length, pruned: r.chains.reduce((n, c) => n + c.pruned, 0) }, meta: req.meta });
      return r;
    },
  );
  return store;
}
