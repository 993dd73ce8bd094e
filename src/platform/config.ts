import path from 'node:path';
import { parseSyslogUrl } from './syslog.js';

/** All runtime configuration, read once from the environment. See the README's configuration table. */
export interface Config {
  /** Directory for the embedded database, master key, encrypted blobs and the mail outbox. */
  dataDir: string;
  /** PostgreSQL server URL; when unset the embedded PGlite database under dataDir is used. */
  databaseUrl: string | undefined;
  /**
   * Optional separate login for request work (a role that is, or is a member of, pactum_app). With it the
   * pool never holds owner credentials, so not even `RESET ROLE` can reach the owner; without it the
   * pool logs in with DATABASE_URL and switches to pactum_app with SET ROLE.
   */
  databaseAppUrl: string | undefined;
  port: number;
  host: string;
  /** Public base URL used in links that are mailed (resume link, login link). */
  publicUrl: string;
  /** Base64 or hex encoded 32-byte master key; when unset, one is generated into dataDir/master.key. */
  masterKey: string | undefined;
  /** With DATABASE_URL, allow a generated <data dir>/master.key instead of PACTUM_MASTER_KEY (single server). */
  allowGeneratedMasterKey: boolean;
  smtpUrl: string | undefined;
  mailFrom: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  /**
   * Trust X-Forwarded-* headers (behind a TLS-terminating proxy). Session cookies are then Secure for
   * requests the proxy received over https (X-Forwarded-Proto), whatever the public URL says.
   */
  trustProxy: boolean;
  /** Cookies carry the Secure flag (default: on when publicUrl is https). */
  secureCookies: boolean;
  logLevel: string;
  /** Session lifetime in seconds (absolute) and idle timeout. */
  sessionTtlSeconds: number;
  sessionIdleSeconds: number;
  /** Version of the privacy terms applicants consent to. */
  privacyVersion: string;
  /** Days a registration draft stays resumable without activity. */
  draftTtlDays: number;
  /** Run the periodic jobs (stale-draft expiry, ...) in this process. */
  runJobs: boolean;
  /** When the over-reach audit runs (cron, UTC); weekly by default (Monday 02:30). */
  accessAuditCron: string;
  /** Multiplies every rate limit (tests raise it; 1 in production). */
  rateLimitScale: number;
  /** API requests per minute of one tenant (all its users and addresses together), before scaling. */
  tenantRateLimitPerMinute: number;
  /** Per-plan overrides of tenantRateLimitPerMinute (`trial=1200,enterprise=20000`). */
  tenantRateLimitPlans: Record<string, number>;
  /**
   * Syslog sink for signed audit checkpoints (`udp://host:514` or `tcp://host:601`, RFC 5424), in addition
   * to the file sink under dataDir that the verifier reads. Unset = file only.
   */
  auditSyslog: string | undefined;
}

function parsePlanLimits(s: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [plan, n] = part.split('=').map((x) => x.trim());
    const v = Number(n);
    if (!plan || !Number.isInteger(v) || v <= 0) throw new Error(`PACTUM_TENANT_RATE_LIMIT_PLANS: expected plan=number, got "${part}"`);
    out[plan] = v;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(env.PACTUM_DATA_DIR ?? './data');
  const port = Number(env.PORT ?? 3000);
  const publicUrl = (env.PACTUM_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
  const cfg: Config = {
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseAppUrl: env.DATABASE_APP_URL || undefined,
    port,
    host: env.HOST ?? '0.0.0.0',
    publicUrl,
    masterKey: env.PACTUM_MASTER_KEY || undefined,
    allowGeneratedMasterKey: env.PACTUM_ALLOW_GENERATED_MASTER_KEY === '1' || env.PACTUM_ALLOW_GENERATED_MASTER_KEY === 'true',
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM ?? 'Pactum <no-reply@pactum.local>',
    adminEmail: env.PACTUM_ADMIN_EMAIL || undefined,
    adminPassword: env.PACTUM_ADMIN_PASSWORD || undefined,
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    secureCookies: env.SECURE_COOKIES ? env.SECURE_COOKIES === '1' || env.SECURE_COOKIES === 'true' : publicUrl.startsWith('https://'),
    logLevel: env.LOG_LEVEL ?? 'info',
    sessionTtlSeconds: Number(env.SESSION_TTL_SECONDS ?? 12 * 3600),
    sessionIdleSeconds: Number(env.SESSION_IDLE_SECONDS ?? 2 * 3600),
    privacyVersion: '2026-12',
    draftTtlDays: Number(env.PACTUM_DRAFT_TTL_DAYS ?? 30),
    runJobs: env.PACTUM_JOBS !== 'off',
    accessAuditCron: env.PACTUM_ACCESS_AUDIT_CRON ?? '30 2 * * 1',
    rateLimitScale: Number(env.PACTUM_RATE_LIMIT_SCALE ?? 1),
    tenantRateLimitPerMinute: Number(env.PACTUM_TENANT_RATE_LIMIT ?? 3000),
    tenantRateLimitPlans: parsePlanLimits(env.PACTUM_TENANT_RATE_LIMIT_PLANS),
    auditSyslog: env.PACTUM_AUDIT_SYSLOG || undefined,
    ...overrides,
  };
  if (!Number.isInteger(cfg.port) || cfg.port <= 0) throw new Error(`PORT must be a positive integer, got ${env.PORT}`);
  if (cfg.auditSyslog) parseSyslogUrl(cfg.auditSyslog);
  return cfg;
}
