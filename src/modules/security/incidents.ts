import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { securityMail } from './mail.js';

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
  created_at: Date;
  updated_at: Date;
}

export function incidentService(ctx: AppContext) {
  const { db } = ctx;

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
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  };

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
    async create(input: { title: string; description: string; severity: Severity; detectedAt?: string }, actor: Actor, meta: RequestMeta) {
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
        await audit.record(tx, { tenantId: null, actor, action: 'security.incident.create', objectType: 'security_incident', objectId: id, details: { severity: input.severity }, meta });
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
        | { kind: 'regulator_reported'; reference: string; reportedAt?: string },
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
          case 'status':
            await tx.execute(`UPDATE security_incidents SET status = $2, updated_at = $3 WHERE id = $1`, [id, change.status, ctx.now()]);
            await event(tx, id, 'status', `${r.status} → ${change.status}`, actor);
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
        await audit.record(tx, { tenantId: null, actor, action: `security.incident.${change.kind}`, objectType: 'security_incident', objectId: id, details: change, meta });
        return view(await load(tx, id));
      });
    },

    /** Tells affected tenants: a notice they can read, and a mail to their admins. */
    async notifyTenants(id: string, tenantIds: string[], message: string, actor: Actor, meta: RequestMeta) {
      return db.platform(async (tx) => {
        const r = await load(tx, id);
        let notified = 0;
        for (const tenantId of [...new Set(tenantIds)]) {
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
