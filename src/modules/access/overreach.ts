import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { fieldError, notFound } from '../../platform/http/errors.js';
import { isPermission, type Permission } from './catalog.js';
import { effective } from './policy.js';
import { accessMail } from './mail.js';
import { accessRepo } from './repo.js';

/**
 * The over-reach audit: per-tenant reports (denied attempts by user, permissions unused for 90 days,
 * separation-of-duty conflicts, too many admins, dormant accounts), permission-use tracking, and the
 * denial-spike alert. Reports are stored in access_reports (append-only), alerts in access_alerts.
 */

export const UNUSED_DAYS = 90;
export const DORMANT_DAYS = 90;
export const REPORT_PERIOD_DAYS = 7;
export const SPIKE_WINDOW_MINUTES = 10;

export interface AuditSettings {
  sodPairs: Array<[Permission, Permission]>;
  maxAdmins: number;
  spikeThreshold: number;
}

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = {
  sodPairs: [
    ['contracts.create', 'contracts.approve'],
    ['contracts.edit', 'contracts.approve'],
  ],
  maxAdmins: 3,
  spikeThreshold: 10,
};

export interface ReportFindings {
  generatedAt: string;
  periodDays: number;
  settings: AuditSettings;
  summary: { deniedUsers: number; denials: number; unusedGrants: number; sodConflicts: number; admins: number; tooManyAdmins: boolean; dormant: number };
  deniedByUser: Array<{ userId: string | null; email: string | null; count: number; lastAt: string; reasons: Record<string, number> }>;
  unusedPermissions: Array<{ userId: string; email: string; permissions: string[] }>;
  sodConflicts: Array<{ userId: string; email: string; pair: [string, string] }>;
  admins: { count: number; threshold: number; exceeded: boolean; users: Array<{ userId: string; email: string }> };
  dormantAccounts: Array<{ userId: string; email: string; lastLoginAt: string | null; createdAt: string }>;
}

export interface ReportSummaryView {
  id: string;
  tenantId: string;
  tenantName?: string;
  createdAt: Date;
  trigger: string;
  summary: ReportFindings['summary'];
}

const DAY = 86_400_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

export function overreachAudit(ctx: AppContext) {
  const { db } = ctx;
  /** tenant:user:perm → the day its use was last written, so a permission check writes at most once a day. */
  const usageWritten = new Map<string, string>();

  async function settingsTx(tx: Tx, tenantId: string): Promise<AuditSettings> {
    const r = await tx.maybeOne<{ sod_pairs: Array<[Permission, Permission]>; max_admins: number; spike_threshold: number }>(
      `SELECT sod_pairs, max_admins, spike_threshold FROM access_audit_settings WHERE tenant_id = $1`,
      [tenantId],
    );
    if (!r) return DEFAULT_AUDIT_SETTINGS;
    return { sodPairs: r.sod_pairs, maxAdmins: r.max_admins, spikeThreshold: r.spike_threshold };
  }

  /** Records that a permission check passed (first pass of the day per user+permission writes). */
  async function trackUse(tx: Tx, tenantId: string, userId: string, perm: string): Promise<void> {
    const key = `${tenantId}:${userId}:${perm}`;
    const today = dayOf(ctx.now());
    if (usageWritten.get(key) === today) return;
    await tx.execute(
      `INSERT INTO permission_usage (tenant_id, user_id, permission, last_used_on) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, user_id, permission) DO UPDATE SET last_used_on = EXCLUDED.last_used_on
        WHERE permission_usage.last_used_on < EXCLUDED.last_used_on`,
      [tenantId, userId, perm, today],
    );
    if (usageWritten.size > 50_000) usageWritten.clear();
    usageWritten.set(key, today);
  }

  /** Builds and stores one tenant's report inside the given transaction (scoped to that tenant). */
  async function buildReport(tx: Tx, tenantId: string, trigger: 'scheduled' | 'on_demand', actor: Actor, meta?: RequestMeta) {
    const now = ctx.now();
    const settings = await settingsTx(tx, tenantId);
    const since = new Date(now.getTime() - REPORT_PERIOD_DAYS * DAY);
    const unusedCutoff = new Date(now.getTime() - UNUSED_DAYS * DAY);
    const dormantCutoff = new Date(now.getTime() - DORMANT_DAYS * DAY);

    const denialRows = await tx.query<{ user_id: string | null; email: string | null; reason: string; n: number; last_at: Date }>(
      `SELECT d.user_id, u.email, d.reason, count(*)::int AS n, max(d.occurred_at) AS last_at
         FROM denials d LEFT JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.user_id
        WHERE d.tenant_id = $1 AND d.occurred_at >= $2
        GROUP BY d.user_id, u.email, d.reason`,
      [tenantId, since],
    );
    const byUser = new Map<string, ReportFindings['deniedByUser'][number]>();
    for (const r of denialRows) {
      const k = r.user_id ?? '';
      const e = byUser.get(k) ?? { userId: r.user_id, email: r.email, count: 0, lastAt: new Date(0).toISOString(), reasons: {} };
      e.count += r.n;
      e.reasons[r.reason] = (e.reasons[r.reason] ?? 0) + r.n;
      const last = new Date(r.last_at).toISOString();
      if (last > e.lastAt) e.lastAt = last;
      byUser.set(k, e);
    }
    const deniedByUser = [...byUser.values()].sort((a, b) => b.count - a.count);

    const tenant = await tx.one<{ status: string; modules: string[] | null }>(
      `SELECT t.status, e.modules FROM tenants t LEFT JOIN tenant_entitlements e ON e.tenant_id = t.id WHERE t.id = $1`,
      [tenantId],
    );
    const users = await tx.query<{ id: string; email: string; created_at: Date; last_login_at: Date | null; grants: string[]; is_admin: boolean }>(
      `SELECT u.id, u.email, u.created_at, u.last_login_at,
              coalesce((SELECT array_agg(DISTINCT p) FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
                          CROSS JOIN LATERAL unnest(r.permissions) p WHERE ur.tenant_id = u.tenant_id AND ur.user_id = u.id), '{}') AS grants,
              EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id AND r.key = 'tenant_admin'
                       WHERE ur.tenant_id = u.tenant_id AND ur.user_id = u.id) AS is_admin
         FROM users u WHERE u.tenant_id = $1 AND u.status = 'active' ORDER BY u.created_at`,
      [tenantId],
    );
    const usage = await tx.query<{ user_id: string; permission: string; last_used_on: string | Date }>(
      `SELECT user_id, permission, last_used_on FROM permission_usage WHERE tenant_id = $1`,
      [tenantId],
    );
    const lastUse = new Map(usage.map((u) => [`${u.user_id}:${u.permission}`, new Date(u.last_used_on)]));

    const unusedPermissions: ReportFindings['unusedPermissions'] = [];
    const sodConflicts: ReportFindings['sodConflicts'] = [];
    const dormantAccounts: ReportFindings['dormantAccounts'] = [];
    for (const u of users) {
      const perms = new Set<string>(
        effective({ tenantStatus: tenant.status === 'terminated' ? 'active' : tenant.status, modules: tenant.modules ?? [], grants: u.grants, userActive: true }),
      );
      // A grant is "unused" when the account is older than the window and the permission has not passed a check in it.
      if (new Date(u.created_at).getTime() < unusedCutoff.getTime()) {
        const unused = [...perms].filter((p) => {
          const last = lastUse.get(`${u.id}:${p}`);
          return !last || last.getTime() < unusedCutoff.getTime();
        });
        if (unused.length) unusedPermissions.push({ userId: u.id, email: u.email, permissions: unused.sort() });
      }
      for (const pair of settings.sodPairs) {
        if (perms.has(pair[0]) && perms.has(pair[1])) sodConflicts.push({ userId: u.id, email: u.email, pair });
      }
      const seen = u.last_login_at ?? u.created_at;
      if (new Date(seen).getTime() < dormantCutoff.getTime()) {
        dormantAccounts.push({ userId: u.id, email: u.email, lastLoginAt: u.last_login_at ? new Date(u.last_login_at).toISOString() : null, createdAt: new Date(u.created_at).toISOString() });
      }
    }
    const adminUsers = users.filter((u) => u.is_admin).map((u) => ({ userId: u.id, email: u.email }));
    const findings: ReportFindings = {
      generatedAt: now.toISOString(),
      periodDays: REPORT_PERIOD_DAYS,
      settings,
      summary: {
        deniedUsers: deniedByUser.length,
        denials: deniedByUser.reduce((s, d) => s + d.count, 0),
        unusedGrants: unusedPermissions.reduce((s, u) => s + u.permissions.length, 0),
        sodConflicts: sodConflicts.length,
        admins: adminUsers.length,
        tooManyAdmins: adminUsers.length > settings.maxAdmins,
        dormant: dormantAccounts.length,
      },
      deniedByUser,
      unusedPermissions,
      sodConflicts,
      admins: { count: adminUsers.length, threshold: settings.maxAdmins, exceeded: adminUsers.length > settings.maxAdmins, users: adminUsers },
      dormantAccounts,
    };
    const id = crypto.randomUUID();
    await tx.execute(`INSERT INTO access_reports (tenant_id, id, created_at, trigger, findings) VALUES ($1, $2, $3, $4, $5)`, [
      tenantId, id, now, trigger, JSON.stringify(findings),
    ]);
    await audit.record(tx, { tenantId, actor, action: 'access.report.create', objectType: 'access_report', objectId: id, details: { trigger, summary: findings.summary }, meta });
    return { id, tenantId, createdAt: now, trigger, findings };
  }

  const summaryOf = (r: Record<string, unknown>): ReportSummaryView => ({
    id: r.id as string,
    tenantId: r.tenant_id as string,
    tenantName: (r.tenant_name as string | undefined) ?? undefined,
    createdAt: r.created_at as Date,
    trigger: r.trigger as string,
    summary: (r.findings as ReportFindings).summary,
  });

  async function listReportsTx(tx: Tx, tenantId: string | null): Promise<ReportSummaryView[]> {
    const rows = await tx.query<Record<string, unknown>>(
      `SELECT r.id, r.tenant_id, t.name AS tenant_name, r.created_at, r.trigger, r.findings
         FROM access_reports r JOIN tenants t ON t.id = r.tenant_id
        WHERE ($1::uuid IS NULL OR r.tenant_id = $1) ORDER BY r.created_at DESC LIMIT 200`,
      [tenantId],
    );
    return rows.map(summaryOf);
  }

  async function getReportTx(tx: Tx, tenantId: string, id: string) {
    const r = await tx.maybeOne<Record<string, unknown>>(
      `SELECT r.id, r.tenant_id, t.name AS tenant_name, r.created_at, r.trigger, r.findings FROM access_reports r JOIN tenants t ON t.id = r.tenant_id
        WHERE r.tenant_id = $1 AND r.id = $2`,
      [tenantId, id],
    );
    if (!r) throw notFound('report_not_found');
    return { ...summaryOf(r), findings: r.findings as ReportFindings };
  }

  /** Platform users who receive security alerts. */
  async function platformAlertRecipients(): Promise<string[]> {
    return (
      await db.platform((tx) =>
        tx.query<{ email: string }>(
          `SELECT email FROM platform_users WHERE status = 'active' AND roles && ARRAY['security_officer', 'super_admin']::text[] ORDER BY email`,
        ),
      )
    ).map((r) => r.email);
  }

  /**
   * After a denial was written (same tenant transaction): if the user reached the tenant's threshold of denials
   * within the window and has no alert in that window yet, stores an alert and mails the tenant admins and the
   * platform's security officers and super admins after commit.
   */
  async function checkSpike(tx: Tx, tenantId: string, userId: string, userLabel: string): Promise<void> {
    const settings = await settingsTx(tx, tenantId);
    const now = ctx.now();
    const windowStart = new Date(now.getTime() - SPIKE_WINDOW_MINUTES * 60_000);
    const { n } = await tx.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM denials WHERE tenant_id = $1 AND user_id = $2 AND occurred_at >= $3
          AND reason NOT IN ('tenant_suspended', 'tenant_read_only', 'tenant_terminated')`,
      [tenantId, userId, windowStart],
    );
    if (n < settings.spikeThreshold) return;
    // One alert per user and window; serialise concurrent denials of the same user.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('access-spike:' || $1::text))`, [userId]);
    const recent = await tx.maybeOne(`SELECT 1 FROM access_alerts WHERE tenant_id = $1 AND user_id = $2 AND created_at >= $3`, [tenantId, userId, windowStart]);
    if (recent) return;
    const tenant = await tx.one<{ name: string }>(`SELECT name FROM tenants WHERE id = $1`, [tenantId]);
    const admins = (
      await tx.query<{ email: string }>(
        `SELECT DISTINCT u.email FROM users u JOIN user_roles ur ON ur.tenant_id = u.tenant_id AND ur.user_id = u.id
           JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id AND r.key = 'tenant_admin'
          WHERE u.tenant_id = $1 AND u.status = 'active' ORDER BY u.email`,
        [tenantId],
      )
    ).map((r) => r.email);
    const id = crypto.randomUUID();
    await tx.execute(
      `INSERT INTO access_alerts (tenant_id, id, kind, user_id, user_label, denial_count, window_minutes, recipients, created_at)
       VALUES ($1, $2, 'denial_spike', $3, $4, $5, $6, $7, $8)`,
      [tenantId, id, userId, userLabel, n, SPIKE_WINDOW_MINUTES, admins, now],
    );
    await audit.record(tx, { tenantId, actor: { kind: 'system', label: 'access.denial-spike' }, action: 'access.alert.denial_spike', objectType: 'user', objectId: userId, details: { count: n, windowMinutes: SPIKE_WINDOW_MINUTES } });
    tx.afterCommit(async () => {
      const platformTo = await platformAlertRecipients();
      const to = [...new Set([...admins, ...platformTo])];
      for (const addr of to) {
        // No stored language per recipient (tenant admins and operators alike): the alert is bilingual.
        await ctx.mailer.send(accessMail.denialSpike('bilingual', addr, tenant.name, userLabel, n, SPIKE_WINDOW_MINUTES));
      }
    });
  }

  function validateSettings(input: AuditSettings): AuditSettings {
    input.sodPairs.forEach((pair, i) => {
      pair.forEach((p, j) => {
        if (!isPermission(p)) throw fieldError(`sodPairs.${i}.${j}`, 'permission_unknown', { permission: p });
      });
      if (pair[0] === pair[1]) throw fieldError(`sodPairs.${i}`, 'sod_pair_same');
    });
    return input;
  }

  return {
    trackUse,
    checkSpike,
    buildReport,
    settingsTx,

    async getSettings(tenantId: string): Promise<AuditSettings> {
      return db.tenant(tenantId, (tx) => settingsTx(tx, tenantId));
    },
    async saveSettings(tenantId: string, actor: Actor, input: AuditSettings & { reason?: string }, meta: RequestMeta): Promise<AuditSettings> {
      const s = validateSettings({ sodPairs: input.sodPairs, maxAdmins: input.maxAdmins, spikeThreshold: input.spikeThreshold });
      const reason = input.reason && input.reason.trim() ? input.reason.trim() : null;
      return db.tenant(tenantId, async (tx) => {
        const before = await settingsTx(tx, tenantId);
        await tx.execute(
          `INSERT INTO access_audit_settings (tenant_id, sod_pairs, max_admins, spike_threshold) VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id) DO UPDATE SET sod_pairs = EXCLUDED.sod_pairs, max_admins = EXCLUDED.max_admins, spike_threshold = EXCLUDED.spike_threshold, updated_at = now()`,
          [tenantId, JSON.stringify(s.sodPairs), s.maxAdmins, s.spikeThreshold],
        );
        // Separation-of-duty pairs and thresholds decide what the over-reach audit reports: a permission-history row.
        await accessRepo.recordHistory(tx, {
          tenantId, actor, kind: 'audit_settings.update', subjectType: 'tenant', subjectId: tenantId,
          before: { sodPairs: before.sodPairs, maxAdmins: before.maxAdmins, spikeThreshold: before.spikeThreshold },
          after: { sodPairs: s.sodPairs, maxAdmins: s.maxAdmins, spikeThreshold: s.spikeThreshold }, reason,
        });
        await audit.record(tx, { tenantId, actor, action: 'access.audit_settings.update', objectType: 'tenant', objectId: tenantId, details: { before: { ...before }, after: { ...s }, reason }, meta });
        return s;
      });
    },

    /** Scheduled run: every tenant that is not terminated, each in its own tenant transaction. */
    async runScheduledReports(): Promise<{ tenants: number; failed: number }> {
      const tenants = await db.platform((tx) => tx.query<{ id: string }>(`SELECT id FROM tenants WHERE status <> 'terminated' ORDER BY created_at`));
      let failed = 0;
      for (const t of tenants) {
        try {
          await db.tenant(t.id, (tx) => buildReport(tx, t.id, 'scheduled', { kind: 'system', label: 'access.overreach-audit' }));
        } catch (err) {
          failed++;
          ctx.log.error({ err, tenantId: t.id }, 'over-reach report failed');
        }
      }
      return { tenants: tenants.length, failed };
    },
    async createReportForTenant(tenantId: string, actor: Actor, meta: RequestMeta) {
      return db.tenant(tenantId, (tx) => buildReport(tx, tenantId, 'on_demand', actor, meta));
    },
    async createReportAsOperator(tenantId: string, actor: Actor, meta: RequestMeta) {
      return db.platform(async (tx) => {
        const t = await tx.maybeOne(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId]);
        if (!t) throw notFound('tenant_not_found');
        await tx.actAsTenant(tenantId);
        const r = await buildReport(tx, tenantId, 'on_demand', actor, meta);
        await audit.record(tx, { tenantId: null, actor, action: 'platform.access.report.create', objectType: 'access_report', objectId: r.id, details: { tenantId }, meta });
        return r;
      });
    },
    async listReports(scope: { tenantId: string } | { platform: true; tenantId?: string | null }) {
      if ('platform' in scope) return db.platform((tx) => listReportsTx(tx, scope.tenantId ?? null));
      return db.tenant(scope.tenantId, (tx) => listReportsTx(tx, scope.tenantId));
    },
    async getReport(scope: { tenantId: string; platform?: boolean }, id: string, actor: Actor, meta: RequestMeta) {
      const run = async (tx: Tx) => {
        const r = await getReportTx(tx, scope.tenantId, id);
        await audit.record(tx, { tenantId: scope.platform ? null : scope.tenantId, actor, action: 'access.report.read', objectType: 'access_report', objectId: id, details: { tenantId: scope.tenantId }, meta });
        return r;
      };
      return scope.platform ? db.platform(run) : db.tenant(scope.tenantId, run);
    },
    async listAlerts(scope: { tenantId: string } | { platform: true }) {
      const run = async (tx: Tx) =>
        (
          await tx.query<Record<string, unknown>>(
            `SELECT a.*, t.name AS tenant_name FROM access_alerts a JOIN tenants t ON t.id = a.tenant_id
              WHERE ($1::uuid IS NULL OR a.tenant_id = $1) ORDER BY a.created_at DESC LIMIT 200`,
            ['tenantId' in scope ? scope.tenantId : null],
          )
        ).map((a) => ({
          id: a.id as string,
          tenantId: a.tenant_id as string,
          tenantName: a.tenant_name as string,
          kind: a.kind as string,
          userId: a.user_id as string | null,
          user: a.user_label as string | null,
          count: a.denial_count as number,
          windowMinutes: a.window_minutes as number,
          createdAt: a.created_at as Date,
        }));
      return 'platform' in scope ? db.platform(run) : db.tenant(scope.tenantId, run);
    },
  };
}

export type OverreachAudit = ReturnType<typeof overreachAudit>;
