import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { AppError, fieldError, invalid, notFound, type FieldError } from '../../platform/http/errors.js';
import { securityMail } from './mail.js';
import { containmentActions, type ContainmentAction, type ContainmentDeps } from './containment.js';

export const SEVERITIES = ['general', 'major', 'serious', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const STATUSES = ['open', 'contained', 'resolved', 'closed'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
/** 较大 (major) or worse must be reported to the regulator within 4 hours of detection. */
export const REGULATOR_HOURS = 4;
const reportable = (s: Severity) => SEVERITIES.indexOf(s) >= SEVERITIES.indexOf('major');

interface IncidentRow {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  status: IncidentStatus;
  detected_at: Date;
  regulator_deadline: Date | null;
  regulator_reported_at: Date | null;
  regulator_reference: string | null;
  resolution: string | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  root_cause: string | null;
  impact: string | null;
  lessons: string | null;
  follow_up_actions: string | null;
  created_at: Date;
  updated_at: Date;
}

export type Postmortem = {
  rootCause: string;
  impact: string;
  lessons: string;
  actions: string;
};
const POSTMORTEM_FIELDS = [
  ['rootCause', 'root_cause'],
  ['impact', 'impact'],
  ['lessons', 'lessons'],
  ['actions', 'follow_up_actions'],
] as const;

export function incidentService(ctx: AppContext, deps: ContainmentDeps) {
  const { db } = ctx;
  const actions = containmentActions(deps);

  const view = (r: IncidentRow) => {
    const now = ctx.now().getTime();
    return {
      id: r.id,
      title: r.title,
      description: r.description,
      severity: r.severity,
      status: r.status,
      detectedAt: r.detected_at,
      regulator: {
        required: reportable(r.severity),
        deadline: r.regulator_deadline,
        reportedAt: r.regulator_reported_at,
        reference: r.regulator_reference,
        /** Seconds left until the deadline (negative = overdue); null when not required or already reported. */
        secondsLeft: r.regulator_deadline && !r.regulator_reported_at ? Math.round((r.regulator_deadline.getTime() - now) / 1000) : null,
        overdue: !!r.regulator_deadline && !r.regulator_reported_at && r.regulator_deadline.getTime() < now,
      },
      resolution: r.resolution,
      resolvedAt: r.resolved_at,
      closedAt: r.closed_at,
      /** Minutes from detection to resolution (null while unresolved). */
      resolutionMinutes: r.resolved_at ? Math.round((r.resolved_at.getTime() - r.detected_at.getTime()) / 60_000) : null,
      postmortem: { rootCause: r.root_cause, impact: r.impact, lessons: r.lessons, actions: r.follow_up_actions },
      /** A post-mortem is required before closing a 较大 (major) or worse incident. */
      postmortemRequired: reportable(r.severity),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  };

  /** Records tenants as affected (idempotent); unknown ids are a 422 on `tenantIds`. */
  async function addTenants(tx: Tx, incidentId: string, tenantIds: string[], actor: Actor): Promise<string[]> {
    const added: string[] = [];
    for (const [i, tenantId] of [...new Set(tenantIds)].entries()) {
      const t = await tx.maybeOne<{ name: string }>(`SELECT name FROM tenants WHERE id = $1`, [tenantId]);
      if (!t) throw fieldError(`tenantIds.${i}`, 'tenant_not_found');
      const n = await tx.execute(`INSERT INTO incident_tenants (tenant_id, incident_id, added_at, added_by) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`, [tenantId, incidentId, ctx.now(), actor.id ?? null]);
      if (n) added.push(t.name);
    }
    return added;
  }

  async function affectedTenants(tx: Tx, incidentId: string) {
    return (
      await tx.query<{ tenant_id: string; name: string; status: string; added_at: Date }>(
        `SELECT it.tenant_id, t.name, t.status, it.added_at FROM incident_tenants it JOIN tenants t ON t.id = it.tenant_id WHERE it.incident_id = $1 ORDER BY it.added_at, t.name`,
        [incidentId],
      )
    ).map((r) => ({ tenantId: r.tenant_id, name: r.name, status: r.status, addedAt: r.added_at }));
  }

  async function event(tx: Tx, incidentId: string, kind: string, text: string, actor: Actor) {
    await tx.execute(`INSERT INTO incident_events (incident_id, id, at, kind, text, actor_id, actor_label) VALUES ($1,$2,$3,$4,$5,$6,$7)`, [
      incidentId,
      crypto.randomUUID(),
      ctx.now(),
      kind,
      text,
      actor.id ?? null,
      actor.label ?? null,
    ]);
  }

  async function load(tx: Tx, id: string): Promise<IncidentRow> {
    const r = await tx.maybeOne<IncidentRow>(`SELECT * FROM security_incidents WHERE id = $1 FOR UPDATE`, [id]);
    if (!r) throw notFound('incident_not_found');
    return r;
  }

  return {
    async create(input: { title: string; description: string; severity: Severity; detectedAt?: string; tenantIds?: string[] }, actor: Actor, meta: RequestMeta) {
      const id = crypto.randomUUID();
      const detected = input.detectedAt ? new Date(input.detectedAt) : ctx.now();
      if (detected.getTime() > ctx.now().getTime() + 60_000) throw new AppError(422, 'validation_failed', {}, [{ path: 'detectedAt', code: 'date_in_future' }]);
      const deadline = reportable(input.severity) ? new Date(detected.getTime() + REGULATOR_HOURS * 3_600_000) : null;
      return db.platform(async (tx) => {
        await tx.execute(
          `INSERT INTO security_incidents (id, title, description, severity, detected_at, regulator_deadline, created_by, created_at, updated_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`,
          [id, input.title, input.description, input.severity, detected, deadline, actor.id, ctx.now()],
        );
        await event(tx, id, 'created', `${input.severity}: ${input.title}`, actor);
        if (input.tenantIds?.length) {
          const names = await addTenants(tx, id, input.tenantIds, actor);
          if (names.length) await event(tx, id, 'tenants', `+ ${names.join(', ')}`, actor);
        }
        await audit.record(tx, { tenantId: null, actor, action: 'security.incident.create', objectType: 'security_incident', objectId: id, details: { severity: input.severity, tenantIds: input.tenantIds ?? [] }, meta });
        return view(await load(tx, id));
      });
    },

    async list() {
      return db.platform(async (tx) => (await tx.query<IncidentRow>(`SELECT * FROM security_incidents ORDER BY detected_at DESC LIMIT 500`)).map(view));
    },

    async get(id: string) {
      return db.platform(async (tx) => {
        const r = await load(tx, id);
        const timeline = await tx.query<{ at: Date; kind: string; text: string; actor_label: string | null }>(
          `SELECT at, kind, text, actor_label FROM incident_events WHERE incident_id = $1 ORDER BY at, id`,
          [id],
        );
        const notices = await tx.query<{ tenant_id: string; notified_at: Date }>(`SELECT tenant_id, notified_at FROM incident_notices WHERE incident_id = $1 ORDER BY notified_at`, [id]);
        return {
          ...view(r),
          affectedTenants: await affectedTenants(tx, id),
          timeline: timeline.map((t) => ({ at: t.at, kind: t.kind, text: t.text, actor: t.actor_label })),
          notifiedTenants: notices.map((n) => ({ tenantId: n.tenant_id, notifiedAt: n.notified_at })),
        };
      });
    },

    /** Notes, containment actions, status and severity changes and the regulator report, each on the timeline. */
    async update(
      id: string,
      change:
        | { kind: 'note' | 'containment'; text: string }
        | { kind: 'status'; status: IncidentStatus }
        | { kind: 'severity'; severity: Severity }
        | { kind: 'regulator_reported'; reference: string; reportedAt?: string }
        | { kind: 'tenants'; add?: string[]; remove?: string[] }
        | { kind: 'resolution'; resolution: string }
        | ({ kind: 'postmortem' } & Postmortem),
      actor: Actor,
      meta: RequestMeta,
    ) {
      return db.platform(async (tx) => {
        const r = await load(tx, id);
        if (r.status === 'closed') throw new AppError(409, 'incident_closed');
        switch (change.kind) {
          case 'note':
          case 'containment':
            await event(tx, id, change.kind, change.text, actor);
            break;
          case 'status': {
            // Resolving needs the resolution; closing needs it too, and a post-mortem for 较大 (major) or worse.
            const rank = STATUSES.indexOf(change.status);
            const errors: FieldError[] = [];
            if (rank >= STATUSES.indexOf('resolved') && !r.resolution) errors.push({ path: 'resolution', code: 'resolution_required' });
            if (change.status === 'closed' && reportable(r.severity)) {
              for (const [field, col] of POSTMORTEM_FIELDS) if (!r[col]) errors.push({ path: `postmortem.${field}`, code: 'postmortem_required' });
            }
            if (errors.length) throw invalid(errors);
            const now = ctx.now();
            await tx.execute(
              `UPDATE security_incidents SET status = $2, updated_at = $3,
                 resolved_at = CASE WHEN $4 THEN COALESCE(resolved_at, $3) ELSE NULL END,
                 closed_at = CASE WHEN $2 = 'closed' THEN $3 ELSE NULL END
               WHERE id = $1`,
              [id, change.status, now, rank >= STATUSES.indexOf('resolved')],
            );
            await event(tx, id, 'status', `${r.status} → ${change.status}`, actor);
            break;
          }
          case 'tenants': {
            const added = await addTenants(tx, id, change.add ?? [], actor);
            const removed: string[] = [];
            for (const tenantId of change.remove ?? []) {
              const t = await tx.maybeOne<{ name: string }>(`SELECT t.name FROM incident_tenants it JOIN tenants t ON t.id = it.tenant_id WHERE it.incident_id = $1 AND it.tenant_id = $2`, [id, tenantId]);
              if (!t) continue;
              await tx.execute(`DELETE FROM incident_tenants WHERE incident_id = $1 AND tenant_id = $2`, [id, tenantId]);
              removed.push(t.name);
            }
            if (added.length || removed.length) {
              await event(tx, id, 'tenants', [added.length ? `+ ${added.join(', ')}` : '', removed.length ? `− ${removed.join(', ')}` : ''].filter(Boolean).join(' '), actor);
              await tx.execute(`UPDATE security_incidents SET updated_at = $2 WHERE id = $1`, [id, ctx.now()]);
            }
            break;
          }
          case 'resolution':
            await tx.execute(`UPDATE security_incidents SET resolution = $2, updated_at = $3 WHERE id = $1`, [id, change.resolution, ctx.now()]);
            await event(tx, id, 'resolution', change.resolution, actor);
            break;
          case 'postmortem':
            await tx.execute(`UPDATE security_incidents SET root_cause = $2, impact = $3, lessons = $4, follow_up_actions = $5, updated_at = $6 WHERE id = $1`, [
              id, change.rootCause, change.impact, change.lessons, change.actions, ctx.now(),
            ]);
            await event(tx, id, 'postmortem', change.rootCause, actor);
            break;
          case 'severity': {
            // Raising to 较大 or worse starts the 4-hour clock from detection (it may already be overdue).
            const deadline = reportable(change.severity) ? (r.regulator_deadline ?? new Date(r.detected_at.getTime() + REGULATOR_HOURS * 3_600_000)) : null;
            await tx.execute(`UPDATE security_incidents SET severity = $2, regulator_deadline = $3, updated_at = $4 WHERE id = $1`, [id, change.severity, deadline, ctx.now()]);
            await event(tx, id, 'severity', `${r.severity} → ${change.severity}`, actor);
            break;
          }
          case 'regulator_reported': {
            const at = change.reportedAt ? new Date(change.reportedAt) : ctx.now();
            await tx.execute(`UPDATE security_incidents SET regulator_reported_at = $2, regulator_reference = $3, updated_at = $4 WHERE id = $1`, [id, at, change.reference, ctx.now()]);
            await event(tx, id, 'regulator_reported', change.reference, actor);
            break;
          }
        }
        await audit.record(tx, { tenantId: null, actor, action: `security.incident.${change.kind}`, objectType: 'security_incident', objectId: id, details: { ...change }, meta });
        return view(await load(tx, id));
      });
    },

    /**
     * Carries out a containment action for one tenant (lock a user, end sessions, read-only, ...): the
     * tenant becomes affected, the action's result goes on the timeline, and the incident log records it.
     * All in one transaction: if the action fails, nothing is recorded.
     */
    async contain(id: string, input: { action: ContainmentAction; tenantId: string; reason: string } & Record<string, unknown>, actor: Actor, meta: RequestMeta) {
      const def = actions[input.action];
      if (!def) throw fieldError('action', 'unknown_action');
      return db.platform(async (tx) => {
        const r = await load(tx, id);
        if (r.status === 'closed') throw new AppError(409, 'incident_closed');
        const t = await tx.maybeOne<{ name: string }>(`SELECT name FROM tenants WHERE id = $1`, [input.tenantId]);
        if (!t) throw fieldError('tenantId', 'tenant_not_found');
        await addTenants(tx, id, [input.tenantId], actor);
        await tx.actAsTenant(input.tenantId);
        const result = await (def.run as (c: Parameters<typeof def.run>[0], i: unknown) => ReturnType<typeof def.run>)(
          { tx, tenantId: input.tenantId, tenantName: t.name, incidentId: id, actor, reason: input.reason, meta },
          input,
        );
        await event(tx, id, 'containment_action', `${result.text} — ${input.reason}`, actor);
        await tx.execute(`UPDATE security_incidents SET updated_at = $2 WHERE id = $1`, [id, ctx.now()]);
        await audit.record(tx, {
          tenantId: null,
          actor,
          action: 'security.incident.containment',
          objectType: 'security_incident',
          objectId: id,
          details: { action: input.action, tenantId: input.tenantId, reason: input.reason, ...result.details },
          meta,
        });
        return { action: input.action, result: result.text, details: result.details };
      });
    },

    /** Tells affected tenants: a notice they can read, and a mail to their admins. No list = the recorded affected tenants. */
    async notifyTenants(id: string, tenantIds: string[] | undefined, message: string, actor: Actor, meta: RequestMeta) {
      return db.platform(async (tx) => {
        const r = await load(tx, id);
        const targets = tenantIds?.length ? tenantIds : (await affectedTenants(tx, id)).map((a) => a.tenantId);
        if (!targets.length) throw fieldError('tenantIds', 'no_affected_tenants');
        await addTenants(tx, id, targets, actor);
        let notified = 0;
        for (const tenantId of [...new Set(targets)]) {
          const t = await tx.maybeOne<{ id: string; name: string }>(`SELECT id, name FROM tenants WHERE id = $1`, [tenantId]);
          if (!t) throw new AppError(422, 'validation_failed', {}, [{ path: 'tenantIds', code: 'tenant_not_found' }]);
          await tx.actAsTenant(tenantId);
          await tx.execute(`INSERT INTO incident_notices (tenant_id, incident_id, id, title, severity, message, notified_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`, [
            tenantId,
            id,
            crypto.randomUUID(),
            r.title,
            r.severity,
            message,
            ctx.now(),
          ]);
          const admins = await tx.query<{ email: string }>(`SELECT email FROM users WHERE tenant_id = $1 AND status = 'active' AND 'tenant_admin' = ANY(roles)`, [tenantId]);
          for (const a of admins) {
            const mail = securityMail.incidentNotice('zh-CN', a.email, r.title, r.severity, message);
            tx.afterCommit(() => ctx.mailer.send({ ...mail, tenantId }));
          }
          await audit.record(tx, { tenantId, actor, action: 'security.incident.notice', objectType: 'security_incident', objectId: id, details: { severity: r.severity }, meta });
          await event(tx, id, 'tenant_notified', `${t.name} (${tenantId})`, actor);
          notified++;
        }
        return { notified };
      });
    },

    /** Tenants to pick from (the security officer has no tenants-list permission of its own). */
    async tenants(q?: string) {
      return db.platform(async (tx) =>
        (
          await tx.query<{ id: string; name: string; status: string }>(
            `SELECT id, name, status FROM tenants WHERE ($1::text IS NULL OR name ILIKE '%' || $1 || '%') ORDER BY name LIMIT 200`,
            [q || null],
          )
        ).map((t) => ({ id: t.id, name: t.name, status: t.status })),
      );
    },

    /** A tenant's users (name, e-mail, status) for the containment pickers; the read is audited on the tenant's chain. */
    async tenantUsers(tenantId: string, q: string | undefined, actor: Actor, meta: RequestMeta) {
      return db.platform(async (tx) => {
        const t = await tx.maybeOne(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId]);
        if (!t) throw notFound('tenant_not_found');
        await tx.actAsTenant(tenantId);
        const rows = await tx.query<{ id: string; name: string; email: string; status: string }>(
          `SELECT id, name, email, status FROM users WHERE tenant_id = $1 AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%' OR email ILIKE '%' || $2 || '%') ORDER BY name LIMIT 200`,
          [tenantId, q || null],
        );
        await audit.record(tx, { tenantId, actor, action: 'security.incident.user_lookup', objectType: 'tenant', objectId: tenantId, details: { q: q ?? null, count: rows.length }, meta });
        return rows;
      });
    },

    /** API keys of a tenant (name, prefix, role, status, last use), for picking which to revoke during an incident; audited. */
    async tenantApiKeys(tenantId: string, actor: Actor, meta: RequestMeta) {
      return db.platform(async (tx) => {
        const t = await tx.maybeOne(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId]);
        if (!t) throw notFound('tenant_not_found');
        await tx.actAsTenant(tenantId);
        const keys = await deps.access.listApiKeysTx(tx, tenantId);
        await audit.record(tx, { tenantId, actor, action: 'security.incident.api_key_lookup', objectType: 'tenant', objectId: tenantId, details: { count: keys.length }, meta });
        return keys;
      });
    },

    /** The notices a tenant received. */
    async notices(tenantId: string) {
      return db.tenant(tenantId, async (tx) =>
        (await tx.query<{ incident_id: string; title: string; severity: string; message: string; notified_at: Date }>(
          `SELECT incident_id, title, severity, message, notified_at FROM incident_notices WHERE tenant_id = $1 ORDER BY notified_at DESC`,
          [tenantId],
        )).map((n) => ({ incidentId: n.incident_id, title: n.title, severity: n.severity, message: n.message, notifiedAt: n.notified_at })),
      );
    },
  };
}

export type IncidentService = ReturnType<typeof incidentService>;
