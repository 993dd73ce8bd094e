import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { PLATFORM_CHAIN, audit, type Actor, type AuditRow } from '../../platform/audit.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { securityMail } from './mail.js';

/**
 * Anomaly rules over the audit log. A scan reads each chain from where the last scan stopped (with a
 * look-back for the rule windows) and raises at most one alert per rule, actor and window (dedup key).
 * New alerts are mailed to the tenant's admins and the platform's security officers.
 */
export const RULES = {
  mass_download: { windowMinutes: 10, threshold: 20, severity: 'high' },
  failed_logins: { windowMinutes: 15, threshold: 10, severity: 'medium' },
  repeated_denials: { windowMinutes: 15, threshold: 5, severity: 'medium' },
  off_hours_access: { startHour: 7, endHour: 22, severity: 'low' },
  api_key_new_ip: { lookbackDays: 30, severity: 'medium' },
} as const;
export type Rule = keyof typeof RULES;

type Event = Pick<AuditRow, 'seq' | 'occurred_at' | 'actor_kind' | 'actor_id' | 'actor_label' | 'action' | 'outcome' | 'ip'>;

export interface RaisedAlert {
  rule: Rule;
  severity: string;
  dedupKey: string;
  actorId: string | null;
  actorLabel: string | null;
  summary: Record<string, unknown>;
  firstSeq: number;
  lastSeq: number;
}

const isDownload = (e: Event) => e.outcome === 'success' && /(^|\.)(download|export)$/.test(e.action);

/** Sliding-window count per key; one alert per key and window bucket. */
function windowRule(events: Event[], rule: Rule, minutes: number, threshold: number, match: (e: Event) => boolean, key: (e: Event) => string | null): RaisedAlert[] {
  const win = minutes * 60_000;
  const byKey = new Map<string, Event[]>();
  for (const e of events) {
    if (!match(e)) continue;
    const k = key(e);
    if (k === null) continue;
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  const out: RaisedAlert[] = [];
  for (const [k, list] of byKey) {
    let start = 0;
    const seenBuckets = new Set<number>();
    for (let end = 0; end < list.length; end++) {
      const t = new Date(list[end]!.occurred_at).getTime();
      while (t - new Date(list[start]!.occurred_at).getTime() > win) start++;
      if (end - start + 1 >= threshold) {
        const bucket = Math.floor(new Date(list[start]!.occurred_at).getTime() / win);
        if (seenBuckets.has(bucket) || seenBuckets.has(bucket - 1)) continue;
        seenBuckets.add(bucket);
        const slice = list.slice(start, end + 1);
        out.push({
          rule,
          severity: RULES[rule].severity,
          dedupKey: `${rule}:${k}:${bucket}`,
          actorId: slice[0]!.actor_id,
          actorLabel: slice[0]!.actor_label,
          summary: { count: slice.length, windowMinutes: minutes, from: slice[0]!.occurred_at, to: slice.at(-1)!.occurred_at, ips: [...new Set(slice.map((e) => e.ip).filter(Boolean))].slice(0, 10) },
          firstSeq: Number(slice[0]!.seq),
          lastSeq: Number(slice.at(-1)!.seq),
        });
      }
    }
  }
  return out;
}

function localHour(at: Date, timeZone: string): { hour: number; date: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, hour: '2-digit', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { hour: Number(get('hour')), date: `${get('year')}-${get('month')}-${get('day')}` };
}

/** The rules, applied to a chain's events (oldest first); `fresh` = events not yet scanned. */
export async function evaluate(tx: Tx, chain: string, events: Event[], fresh: (e: Event) => boolean, timeZone: string): Promise<RaisedAlert[]> {
  const alerts: RaisedAlert[] = [];
  const freshOnly = (list: RaisedAlert[]) => list.filter((a) => events.some((e) => Number(e.seq) >= a.firstSeq && Number(e.seq) <= a.lastSeq && fresh(e)));
  alerts.push(...freshOnly(windowRule(events, 'mass_download', RULES.mass_download.windowMinutes, RULES.mass_download.threshold, isDownload, (e) => e.actor_id)));
  alerts.push(
    ...freshOnly(
      windowRule(events, 'failed_logins', RULES.failed_logins.windowMinutes, RULES.failed_logins.threshold, (e) => e.action === 'auth.login' && e.outcome === 'failure', () => 'all'),
    ).map((a) => ({
      // A tenant-wide rule: list the accounts instead of naming one actor.
      ...a,
      actorId: null,
      actorLabel: null,
      summary: {
        ...a.summary,
        accounts: [...new Set(events.filter((e) => Number(e.seq) >= a.firstSeq && Number(e.seq) <= a.lastSeq && e.action === 'auth.login' && e.outcome === 'failure').map((e) => e.actor_label))].slice(0, 20),
      },
    })),
  );
  alerts.push(
    ...freshOnly(windowRule(events, 'repeated_denials', RULES.repeated_denials.windowMinutes, RULES.repeated_denials.threshold, (e) => e.outcome === 'denied', (e) => e.actor_id ?? e.ip ?? null)),
  );
  for (const e of events.filter(fresh)) {
    if (e.action === 'auth.login' && e.outcome === 'success' && e.actor_id) {
      const { hour, date } = localHour(new Date(e.occurred_at), timeZone);
      if (hour < RULES.off_hours_access.startHour || hour >= RULES.off_hours_access.endHour) {
        alerts.push({
          rule: 'off_hours_access',
          severity: RULES.off_hours_access.severity,
          dedupKey: `off_hours_access:${e.actor_id}:${date}`,
          actorId: e.actor_id,
          actorLabel: e.actor_label,
          summary: { at: e.occurred_at, localHour: hour, timeZone, ip: e.ip },
          firstSeq: Number(e.seq),
          lastSeq: Number(e.seq),
        });
      }
    }
    if (e.actor_kind === 'api_key' && e.actor_id && e.ip) {
      const since = new Date(new Date(e.occurred_at).getTime() - RULES.api_key_new_ip.lookbackDays * 86_400_000);
      const seen = await tx.maybeOne(
        `SELECT 1 FROM audit_events WHERE tenant_id = $1 AND actor_kind = 'api_key' AND actor_id = $2 AND ip = $3 AND seq < $4 AND occurred_at >= $5 LIMIT 1`,
        [chain, e.actor_id, e.ip, e.seq, since],
      );
      if (!seen) {
        alerts.push({
          rule: 'api_key_new_ip',
          severity: RULES.api_key_new_ip.severity,
          dedupKey: `api_key_new_ip:${e.actor_id}:${e.ip}`,
          actorId: e.actor_id,
          actorLabel: e.actor_label,
          summary: { ip: e.ip, at: e.occurred_at },
          firstSeq: Number(e.seq),
          lastSeq: Number(e.seq),
        });
      }
    }
  }
  return alerts;
}

const ALERT_ACTIONS = { acknowledge: 'acknowledged', dismiss: 'dismissed', escalate: 'escalated' } as const;
export type AlertAction = keyof typeof ALERT_ACTIONS;

interface AlertRow {
  tenant_id: string;
  id: string;
  rule: Rule;
  severity: string;
  actor_id: string | null;
  actor_label: string | null;
  summary: Record<string, unknown>;
  first_seq: number | null;
  last_seq: number | null;
  status: string;
  created_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  note: string | null;
  incident_id: string | null;
}

export const alertView = (r: AlertRow) => ({
  tenantId: r.tenant_id === PLATFORM_CHAIN ? null : r.tenant_id,
  id: r.id,
  rule: r.rule,
  severity: r.severity,
  actor: { id: r.actor_id, label: r.actor_label },
  summary: r.summary,
  seq: { first: r.first_seq === null ? null : Number(r.first_seq), last: r.last_seq === null ? null : Number(r.last_seq) },
  status: r.status,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
  note: r.note,
  incidentId: r.incident_id,
});

export function anomalyService(ctx: AppContext) {
  const { db } = ctx;

  async function recipients(tx: Tx, chain: string): Promise<string[]> {
    const officers = await tx.query<{ email: string }>(
      `SELECT email FROM platform_users WHERE status = 'active' AND roles && ARRAY['security_officer']::text[]`,
    );
    const list = officers.length
      ? officers
      : await tx.query<{ email: string }>(`SELECT email FROM platform_users WHERE status = 'active' AND roles && ARRAY['super_admin']::text[]`);
    const admins =
      chain === PLATFORM_CHAIN
        ? []
        : await tx.query<{ email: string }>(`SELECT email FROM users WHERE tenant_id = $1 AND status = 'active' AND 'tenant_admin' = ANY(roles)`, [chain]);
    return [...new Set([...admins, ...list].map((r) => r.email))];
  }

  async function scanChain(chain: string): Promise<number> {
    return db.platform(async (tx) => {
      if (chain !== PLATFORM_CHAIN) await tx.actAsTenant(chain);
      await tx.execute(`INSERT INTO anomaly_scan_state (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [chain]);
      const state = await tx.one<{ last_seq: number }>(`SELECT last_seq FROM anomaly_scan_state WHERE tenant_id = $1 FOR UPDATE`, [chain]);
      const lastSeq = Number(state.last_seq);
      const fresh = await tx.query<Event>(
        `SELECT seq, occurred_at, actor_kind, actor_id, actor_label, action, outcome, ip FROM audit_events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT 20000`,
        [chain, lastSeq],
      );
      if (!fresh.length) return 0;
      const lookback = Math.max(RULES.mass_download.windowMinutes, RULES.failed_logins.windowMinutes, RULES.repeated_denials.windowMinutes) * 60_000;
      const earliest = new Date(new Date(fresh[0]!.occurred_at).getTime() - lookback);
      const before = await tx.query<Event>(
        `SELECT seq, occurred_at, actor_kind, actor_id, actor_label, action, outcome, ip FROM audit_events WHERE tenant_id = $1 AND seq <= $2 AND occurred_at >= $3 ORDER BY seq`,
        [chain, lastSeq, earliest],
      );
      const tz =
        chain === PLATFORM_CHAIN ? 'Asia/Shanghai' : ((await tx.maybeOne<{ time_zone: string }>(`SELECT time_zone FROM tenants WHERE id = $1`, [chain]))?.time_zone ?? 'Asia/Shanghai');
      const raised = await evaluate(tx, chain, [...before, ...fresh], (e) => Number(e.seq) > lastSeq, tz);
      const newSeq = Number(fresh.at(-1)!.seq);
      let n = 0;
      const to = raised.length ? await recipients(tx, chain) : [];
      for (const a of raised) {
        const id = crypto.randomUUID();
        const inserted = await tx.execute(
          `INSERT INTO security_alerts (tenant_id, id, rule, severity, dedup_key, actor_id, actor_label, summary, first_seq, last_seq, created_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (tenant_id, dedup_key) DO NOTHING`,
          [chain, id, a.rule, a.severity, a.dedupKey, a.actorId, a.actorLabel, JSON.stringify(a.summary), a.firstSeq, a.lastSeq, ctx.now()],
        );
        if (!inserted) continue;
        n++;
        await audit.record(tx, {
          tenantId: chain === PLATFORM_CHAIN ? null : chain,
          actor: { kind: 'system', label: 'anomaly-detection' },
          action: 'security.alert.raise',
          objectType: 'security_alert',
          objectId: id,
          details: { rule: a.rule, severity: a.severity, actorId: a.actorId, seq: [a.firstSeq, a.lastSeq] },
        });
        for (const email of to) {
          const mail = securityMail.alert('zh-CN', email, a.rule, a.severity, a.actorLabel ?? a.actorId ?? '-', `${ctx.config.publicUrl}/tenant/security/alerts`);
          tx.afterCommit(() => ctx.mailer.send({ ...mail, tenantId: chain === PLATFORM_CHAIN ? undefined : chain }));
        }
      }
      await tx.execute(`UPDATE anomaly_scan_state SET last_seq = $2, scanned_at = $3 WHERE tenant_id = $1`, [chain, newSeq, ctx.now()]);
      return n;
    });
  }

  return {
    /** Scans every chain once; returns how many alerts were raised. */
    async scan(): Promise<{ alerts: number }> {
      const tenants = await db.platform((tx) => tx.query<{ id: string }>(`SELECT id FROM tenants WHERE status <> 'terminated' ORDER BY created_at`));
      let alerts = 0;
      for (const chain of [PLATFORM_CHAIN, ...tenants.map((t) => t.id)]) alerts += await scanChain(chain);
      return { alerts };
    },

    async list(scope: { tenantId: string } | { platform: true; tenantId?: string }, status?: string) {
      const run = <T>(fn: (tx: Tx) => Promise<T>) => ('platform' in scope ? db.platform(fn) : db.tenant(scope.tenantId, fn));
      return run(async (tx) => {
        const rows = await tx.query<AlertRow>(
          `SELECT * FROM security_alerts WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC LIMIT 500`,
          [scope.tenantId ?? null, status ?? null],
        );
        return rows.map(alertView);
      });
    },

    /** Acknowledge, dismiss or escalate an alert (tenant admin: own tenant; platform: any). */
    async decide(
      scope: { tenantId: string } | { platform: true },
      chain: string,
      id: string,
      action: AlertAction,
      input: { note?: string; incidentId?: string },
      actor: Actor,
      meta: { ip?: string | null; userAgent?: string | null },
    ) {
      const run = <T>(fn: (tx: Tx) => Promise<T>) => ('platform' in scope ? db.platform(fn) : db.tenant(scope.tenantId, fn));
      return run(async (tx) => {
        if ('platform' in scope && chain !== PLATFORM_CHAIN) await tx.actAsTenant(chain);
        const row = await tx.maybeOne<AlertRow>(`SELECT * FROM security_alerts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [chain, id]);
        if (!row) throw notFound('alert_not_found');
        if (row.status === 'dismissed' || row.status === 'escalated') throw new AppError(409, 'alert_closed', { status: row.status });
        if (input.incidentId) {
          if (!('platform' in scope)) throw new AppError(403, 'forbidden');
          const inc = await tx.maybeOne(`SELECT 1 FROM security_incidents WHERE id = $1`, [input.incidentId]);
          if (!inc) throw notFound('incident_not_found');
          await tx.execute(`INSERT INTO incident_events (incident_id, id, at, kind, text, actor_id, actor_label) VALUES ($1,$2,$3,'alert_linked',$4,$5,$6)`, [
            input.incidentId,
            crypto.randomUUID(),
            ctx.now(),
            `${row.rule} (${row.actor_label ?? row.actor_id ?? '-'})`,
            actor.id ?? null,
            actor.label ?? null,
          ]);
        }
        await tx.execute(
          `UPDATE security_alerts SET status = $3, decided_at = $4, decided_by = $5, note = $6, incident_id = COALESCE($7, incident_id) WHERE tenant_id = $1 AND id = $2`,
          [chain, id, ALERT_ACTIONS[action], ctx.now(), actor.label ?? actor.id ?? null, input.note ?? null, input.incidentId ?? null],
        );
        await audit.record(tx, {
          tenantId: chain === PLATFORM_CHAIN ? null : chain,
          actor,
          action: `security.alert.${action}`,
          objectType: 'security_alert',
          objectId: id,
          details: { note: input.note ?? null, incidentId: input.incidentId ?? null },
          meta,
        });
        if (action === 'escalate' && !('platform' in scope)) {
          // Tell the platform's security officers (read in the platform context, after this commit).
          tx.afterCommit(async () => {
            for (const email of await db.platform((ptx) => recipients(ptx, PLATFORM_CHAIN))) {
              await ctx.mailer.send(securityMail.alert('zh-CN', email, row.rule, 'escalated', row.actor_label ?? '-', `${ctx.config.publicUrl}/platform/security`));
            }
          });
        }
        return alertView((await tx.one<AlertRow>(`SELECT * FROM security_alerts WHERE tenant_id = $1 AND id = $2`, [chain, id])));
      });
    },
  };
}

export type AnomalyService = ReturnType<typeof anomalyService>;
