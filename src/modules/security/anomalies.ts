import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { PLATFORM_CHAIN, audit, type Actor, type AuditRow } from '../../platform/audit.js';
import ipaddr from 'ipaddr.js';
import { AppError, fieldError, notFound, type FieldError } from '../../platform/http/errors.js';
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
  new_network: { lookbackDays: 90, severity: 'medium' },
} as const;
export type Rule = keyof typeof RULES;
export const RULE_KEYS = Object.keys(RULES) as Rule[];

/** Per-tenant rule settings (defaults = the constants above). */
export interface RuleSettings {
  enabled: boolean;
  threshold?: number;
  windowMinutes?: number;
  lookbackDays?: number;
}
export interface WorkingHours {
  /** IANA zone; null = the tenant's zone. */
  timeZone: string | null;
  /** ISO weekdays 1 (Mon) .. 7 (Sun). */
  days: number[];
  /** "HH:MM", start inclusive, end exclusive ("24:00" = midnight). */
  start: string;
  end: string;
}
export interface AnomalySettings {
  rules: Record<Rule, RuleSettings>;
  workingHours: WorkingHours;
  updatedAt: Date | null;
}

const WINDOW_RULES = ['mass_download', 'failed_logins', 'repeated_denials'] as const;
const LOOKBACK_RULES = ['api_key_new_ip', 'new_network'] as const;

export function defaultRules(): Record<Rule, RuleSettings> {
  return {
    mass_download: { enabled: true, threshold: RULES.mass_download.threshold, windowMinutes: RULES.mass_download.windowMinutes },
    failed_logins: { enabled: true, threshold: RULES.failed_logins.threshold, windowMinutes: RULES.failed_logins.windowMinutes },
    repeated_denials: { enabled: true, threshold: RULES.repeated_denials.threshold, windowMinutes: RULES.repeated_denials.windowMinutes },
    off_hours_access: { enabled: true },
    api_key_new_ip: { enabled: true, lookbackDays: RULES.api_key_new_ip.lookbackDays },
    new_network: { enabled: true, lookbackDays: RULES.new_network.lookbackDays },
  };
}

export const DEFAULT_WORKING_HOURS: WorkingHours = { timeZone: null, days: [1, 2, 3, 4, 5, 6, 7], start: '07:00', end: '22:00' };

const toMinute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const fromMinute = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export function validTimeZone(z: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: z });
    return true;
  } catch {
    return false;
  }
}

/** Server-side checks of a settings document (field paths for the 422). */
export function settingsErrors(s: { rules: Partial<Record<Rule, RuleSettings>>; workingHours: WorkingHours }): FieldError[] {
  const errors: FieldError[] = [];
  for (const [k, r] of Object.entries(s.rules) as [Rule, RuleSettings][]) {
    if (!RULE_KEYS.includes(k)) errors.push({ path: `rules.${k}`, code: 'unknown_rule' });
    if ((WINDOW_RULES as readonly string[]).includes(k)) {
      if (!Number.isInteger(r.threshold) || r.threshold! < 2 || r.threshold! > 100000) errors.push({ path: `rules.${k}.threshold`, code: 'threshold_out_of_range' });
      if (!Number.isInteger(r.windowMinutes) || r.windowMinutes! < 1 || r.windowMinutes! > 1440) errors.push({ path: `rules.${k}.windowMinutes`, code: 'window_out_of_range' });
    }
    if ((LOOKBACK_RULES as readonly string[]).includes(k) && (!Number.isInteger(r.lookbackDays) || r.lookbackDays! < 1 || r.lookbackDays! > 365)) {
      errors.push({ path: `rules.${k}.lookbackDays`, code: 'lookback_out_of_range' });
    }
  }
  const w = s.workingHours;
  if (w.timeZone !== null && !validTimeZone(w.timeZone)) errors.push({ path: 'workingHours.timeZone', code: 'time_zone_invalid' });
  if (!w.days.length || w.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7) || new Set(w.days).size !== w.days.length) errors.push({ path: 'workingHours.days', code: 'days_invalid' });
  const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
  if (!hhmm.test(w.start)) errors.push({ path: 'workingHours.start', code: 'time_invalid' });
  if (!hhmm.test(w.end) && w.end !== '24:00') errors.push({ path: 'workingHours.end', code: 'time_invalid' });
  else if (hhmm.test(w.start) && toMinute(w.start) >= toMinute(w.end)) errors.push({ path: 'workingHours.end', code: 'end_before_start' });
  return errors;
}

export async function loadSettings(tx: Tx, tenantId: string): Promise<AnomalySettings> {
  const r = await tx.maybeOne<{ rules: Partial<Record<Rule, Partial<RuleSettings>>>; work_time_zone: string | null; work_days: number[]; work_start_minute: number; work_end_minute: number; updated_at: Date }>(
    `SELECT rules, work_time_zone, work_days, work_start_minute, work_end_minute, updated_at FROM anomaly_settings WHERE tenant_id = $1`,
    [tenantId],
  );
  const rules = defaultRules();
  if (!r) return { rules, workingHours: { ...DEFAULT_WORKING_HOURS }, updatedAt: null };
  for (const k of RULE_KEYS) if (r.rules?.[k]) rules[k] = { ...rules[k], ...r.rules[k] };
  return {
    rules,
    workingHours: { timeZone: r.work_time_zone, days: r.work_days.map(Number), start: fromMinute(r.work_start_minute), end: fromMinute(r.work_end_minute) },
    updatedAt: r.updated_at,
  };
}

export async function saveSettings(tx: Tx, tenantId: string, s: { rules: Record<Rule, RuleSettings>; workingHours: WorkingHours }, by: string): Promise<void> {
  await tx.execute(
    `INSERT INTO anomaly_settings (tenant_id, rules, work_time_zone, work_days, work_start_minute, work_end_minute, updated_at, updated_by)
     VALUES ($1,$2,$3,$4,$5,$6,now(),$7)
     ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, work_time_zone = EXCLUDED.work_time_zone, work_days = EXCLUDED.work_days,
       work_start_minute = EXCLUDED.work_start_minute, work_end_minute = EXCLUDED.work_end_minute, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    [tenantId, JSON.stringify(s.rules), s.workingHours.timeZone, [...s.workingHours.days].sort(), toMinute(s.workingHours.start), toMinute(s.workingHours.end), by],
  );
}

/** The "network" of an address: IPv4 /24, IPv6 /48 (an IPv4-mapped IPv6 address counts as IPv4). */
export function networkOf(ip: string | null): string | null {
  if (!ip) return null;
  try {
    let a = ipaddr.parse(ip);
    if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
    if (a.kind() === 'ipv4') {
      const o = (a as ipaddr.IPv4).octets;
      return `${o[0]}.${o[1]}.${o[2]}.0/24`;
    }
    const p = (a as ipaddr.IPv6).parts;
    return `${p.slice(0, 3).map((x) => x.toString(16)).join(':')}::/48`;
  } catch {
    return null;
  }
}

/**
 * Country of an address, from an offline GeoIP package when one is installed (`geoip-country`, optional:
 * not a dependency, see docs/decisions.md); null otherwise, and the rule then compares networks only.
 */
type CountryLookup = (ip: string) => string | null;
let countryLookup: CountryLookup | null | undefined;
async function loadCountryLookup(): Promise<CountryLookup | null> {
  if (countryLookup !== undefined) return countryLookup;
  try {
    const name = 'geoip-country';
    const mod = (await import(/* @vite-ignore */ name)) as { default?: { lookup(ip: string): { country?: string } | null }; lookup?: (ip: string) => { country?: string } | null };
    const lookup = mod.lookup ?? mod.default?.lookup;
    countryLookup = lookup ? (ip: string) => lookup(ip)?.country ?? null : null;
  } catch {
    countryLookup = null;
  }
  return countryLookup;
}
/** Tests (and a deployment with its own GeoIP source) can set the lookup. */
export function setCountryLookup(fn: CountryLookup | null): void {
  countryLookup = fn;
}

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

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
function localTime(at: Date, timeZone: string): { minute: number; hour: number; weekday: number; date: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const hour = Number(get('hour'));
  return { hour, minute: hour * 60 + Number(get('minute')), weekday: WEEKDAYS[get('weekday')] ?? 0, date: `${get('year')}-${get('month')}-${get('day')}` };
}

/** Outside the working hours (days and [start, end) in the zone)? */
export function outsideWorkingHours(at: Date, w: WorkingHours, tenantZone: string): { outside: boolean; local: string; weekday: number; date: string; timeZone: string } {
  const timeZone = w.timeZone ?? tenantZone;
  const t = localTime(at, timeZone);
  const inside = w.days.includes(t.weekday) && t.minute >= toMinute(w.start) && t.minute < toMinute(w.end);
  return { outside: !inside, local: fromMinute(t.minute), weekday: t.weekday, date: t.date, timeZone };
}

/** A user's access to data (views, downloads, exports) or a sign-in: what the working-hours rule looks at. */
const isUserAccess = (e: Event) =>
  e.outcome === 'success' && !!e.actor_id && (e.actor_kind === 'tenant_user' || e.actor_kind === 'platform_user') &&
  (e.action === 'auth.login' || /(^|\.)(view|read|download|export|search|list)$/.test(e.action));

/** The rules, applied to a chain's events (oldest first); `fresh` = events not yet scanned. */
export async function evaluate(
  tx: Tx,
  chain: string,
  events: Event[],
  fresh: (e: Event) => boolean,
  timeZone: string,
  settings: { rules: Record<Rule, RuleSettings>; workingHours: WorkingHours } = { rules: defaultRules(), workingHours: DEFAULT_WORKING_HOURS },
): Promise<RaisedAlert[]> {
  const R = settings.rules;
  const alerts: RaisedAlert[] = [];
  const freshOnly = (list: RaisedAlert[]) => list.filter((a) => events.some((e) => Number(e.seq) >= a.firstSeq && Number(e.seq) <= a.lastSeq && fresh(e)));
  if (R.mass_download.enabled) alerts.push(...freshOnly(windowRule(events, 'mass_download', R.mass_download.windowMinutes!, R.mass_download.threshold!, isDownload, (e) => e.actor_id)));
  if (R.failed_logins.enabled) {
    alerts.push(
      ...freshOnly(
        windowRule(events, 'failed_logins', R.failed_logins.windowMinutes!, R.failed_logins.threshold!, (e) => e.action === 'auth.login' && e.outcome === 'failure', () => 'all'),
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
  }
  if (R.repeated_denials.enabled) {
    alerts.push(...freshOnly(windowRule(events, 'repeated_denials', R.repeated_denials.windowMinutes!, R.repeated_denials.threshold!, (e) => e.outcome === 'denied', (e) => e.actor_id ?? e.ip ?? null)));
  }
  const lookup = R.new_network.enabled ? await loadCountryLookup() : null;
  for (const e of events.filter(fresh)) {
    // Working hours: every access by a user (sign-ins, views, downloads, exports), one alert per user and local day.
    if (R.off_hours_access.enabled && isUserAccess(e)) {
      const w = outsideWorkingHours(new Date(e.occurred_at), settings.workingHours, timeZone);
      if (w.outside) {
        alerts.push({
          rule: 'off_hours_access',
          severity: RULES.off_hours_access.severity,
          dedupKey: `off_hours_access:${e.actor_id}:${w.date}`,
          actorId: e.actor_id,
          actorLabel: e.actor_label,
          summary: { at: e.occurred_at, action: e.action, localTime: w.local, weekday: w.weekday, timeZone: w.timeZone, ip: e.ip },
          firstSeq: Number(e.seq),
          lastSeq: Number(e.seq),
        });
      }
    }
    // New network (or country): a successful sign-in from a network none of the user's sign-ins of the
    // look-back period came from. The first sign-in ever has nothing to compare with and raises nothing.
    if (R.new_network.enabled && e.action === 'auth.login' && e.outcome === 'success' && e.actor_id && e.ip) {
      const net = networkOf(e.ip);
      if (net) {
        const since = new Date(new Date(e.occurred_at).getTime() - R.new_network.lookbackDays! * 86_400_000);
        const before = await tx.query<{ ip: string }>(
          `SELECT DISTINCT ip FROM audit_events WHERE tenant_id = $1 AND action = 'auth.login' AND outcome = 'success' AND actor_id = $2 AND ip IS NOT NULL AND seq < $3 AND occurred_at >= $4 LIMIT 1000`,
          [chain, e.actor_id, e.seq, since],
        );
        const country = lookup ? lookup(e.ip) : null;
        const knownCountries = lookup ? new Set(before.map((b) => lookup(b.ip)).filter(Boolean)) : new Set<string>();
        const newNet = before.length > 0 && !before.some((b) => networkOf(b.ip) === net);
        const newCountry = !!country && knownCountries.size > 0 && !knownCountries.has(country);
        if (newNet || newCountry) {
          alerts.push({
            rule: 'new_network',
            severity: newCountry ? 'high' : RULES.new_network.severity,
            dedupKey: `new_network:${e.actor_id}:${newCountry ? country : net}`,
            actorId: e.actor_id,
            actorLabel: e.actor_label,
            summary: { ip: e.ip, network: net, country, knownNetworks: [...new Set(before.map((b) => networkOf(b.ip)))].slice(0, 10), at: e.occurred_at },
            firstSeq: Number(e.seq),
            lastSeq: Number(e.seq),
          });
        }
      }
    }
    if (R.api_key_new_ip.enabled && e.actor_kind === 'api_key' && e.actor_id && e.ip) {
      const since = new Date(new Date(e.occurred_at).getTime() - R.api_key_new_ip.lookbackDays! * 86_400_000);
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

  /** Who hears of a new alert: the tenant's admins (link to their security center) and the platform's security officers (link to the incident desk). */
  async function recipients(tx: Tx, chain: string): Promise<Array<{ email: string; link: string }>> {
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
    const out = new Map<string, string>();
    for (const a of admins) out.set(a.email, `${ctx.config.publicUrl}/tenant/security/center`);
    for (const o of list) if (!out.has(o.email)) out.set(o.email, `${ctx.config.publicUrl}/platform/security/incidents`);
    return [...out].map(([email, link]) => ({ email, link }));
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
      const settings = chain === PLATFORM_CHAIN ? { rules: defaultRules(), workingHours: DEFAULT_WORKING_HOURS } : await loadSettings(tx, chain);
      const lookback = Math.max(...WINDOW_RULES.map((k) => settings.rules[k].windowMinutes ?? RULES[k].windowMinutes)) * 60_000;
      const earliest = new Date(new Date(fresh[0]!.occurred_at).getTime() - lookback);
      const before = await tx.query<Event>(
        `SELECT seq, occurred_at, actor_kind, actor_id, actor_label, action, outcome, ip FROM audit_events WHERE tenant_id = $1 AND seq <= $2 AND occurred_at >= $3 ORDER BY seq`,
        [chain, lastSeq, earliest],
      );
      const tz =
        chain === PLATFORM_CHAIN ? 'Asia/Shanghai' : ((await tx.maybeOne<{ time_zone: string }>(`SELECT time_zone FROM tenants WHERE id = $1`, [chain]))?.time_zone ?? 'Asia/Shanghai');
      const raised = await evaluate(tx, chain, [...before, ...fresh], (e) => Number(e.seq) > lastSeq, tz, settings);
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
        for (const { email, link } of to) {
          const mail = securityMail.alert('zh-CN', email, a.rule, a.severity, a.actorLabel ?? a.actorId ?? '-', link);
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

    /** The tenant's rule thresholds and working hours (defaults when never set). */
    async getSettings(tenantId: string) {
      return db.tenant(tenantId, async (tx) => {
        const t = await tx.one<{ time_zone: string }>(`SELECT time_zone FROM tenants WHERE id = $1`, [tenantId]);
        return { ...(await loadSettings(tx, tenantId)), tenantTimeZone: t.time_zone, defaults: { rules: defaultRules(), workingHours: DEFAULT_WORKING_HOURS } };
      });
    },

    async setSettings(tenantId: string, input: { rules: Partial<Record<Rule, RuleSettings>>; workingHours: WorkingHours }, actor: Actor, meta: { ip?: string | null; userAgent?: string | null }) {
      const rules = defaultRules();
      for (const k of RULE_KEYS) if (input.rules[k]) rules[k] = { ...rules[k], ...input.rules[k] };
      const errors = settingsErrors({ rules, workingHours: input.workingHours });
      if (errors.length) throw new AppError(422, 'validation_failed', {}, errors);
      return db.tenant(tenantId, async (tx) => {
        const before = await loadSettings(tx, tenantId);
        await saveSettings(tx, tenantId, { rules, workingHours: input.workingHours }, actor.id!);
        const after = await loadSettings(tx, tenantId);
        await audit.record(tx, { tenantId, actor, action: 'security.anomaly_settings.update', objectType: 'anomaly_settings', objectId: tenantId, details: { before: { rules: before.rules, workingHours: before.workingHours }, after: { rules: after.rules, workingHours: after.workingHours } }, meta });
        return after;
      });
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
      // Dismissing needs a reason (kept with the alert and in the audit log).
      if (action === 'dismiss' && !input.note?.trim()) throw fieldError('note', 'reason_required');
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
            for (const { email, link } of await db.platform((ptx) => recipients(ptx, PLATFORM_CHAIN))) {
              await ctx.mailer.send(securityMail.alert('zh-CN', email, row.rule, 'escalated', row.actor_label ?? '-', link));
            }
          });
        }
        return alertView((await tx.one<AlertRow>(`SELECT * FROM security_alerts WHERE tenant_id = $1 AND id = $2`, [chain, id])));
      });
    },
  };
}

export type AnomalyService = ReturnType<typeof anomalyService>;
