import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { Conn } from './index.js';

/** The role every request runs as: not a superuser, no BYPASSRLS, owns no table, cannot TRUNCATE. */
export const APP_ROLE = 'pactum_app';

/**
 * Tables the app may only read and append to (no UPDATE, no DELETE): histories and the audit log.
 * Modules that add an append-only table list it here.
 */
export const APPEND_ONLY_TABLES = [
  'audit_events',
  'registration_versions',
  'registration_decisions',
  'permission_history',
  'denials',
  'contract_versions',
  'approval_decisions',
  'access_reports',
  'access_alerts',
  'incident_events',
  'incident_notices',
  'training_attempts',
  'audit_anchors',
  'contract_seals',
  'sealed_documents',
];

/** Tables that are not tenant data and carry no RLS policy, only bookkeeping the app cannot touch. */
export const INTERNAL_TABLES = ['schema_migrations'];

/**
 * Forward-only migrations: every `migrations/NNNN_name.sql` runs once, in name order, each in its own
 * transaction, under an advisory lock so that two processes starting together do not race. A changed
 * file that already ran is refused (its checksum is kept).
 */
export async function runMigrations(conn: Conn, dir: string, log?: Logger): Promise<string[]> {
  await conn.query(`DO $$ BEGIN
      CREATE ROLE ${APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  await conn.query('SELECT pg_advisory_lock(727274)');
  try {
    await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map(
      (await conn.query('SELECT name, checksum FROM schema_migrations')).rows.map((r) => [r.name as string, r.checksum as string]),
    );
    const files = fs
      .readdirSync(dir)
      .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
      .sort();
    const applied: string[] = [];
    for (const file of files) {
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      const checksum = crypto.createHash('sha256').update(sql).digest('hex');
      const prior = done.get(file);
      if (prior) {
        if (prior !== checksum) throw new Error(`migration ${file} was changed after it ran; add a new migration instead`);
        continue;
      }
      await conn.query('BEGIN');
      try {
        await conn.script(sql);
        await conn.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file, checksum]);
        await conn.query('COMMIT');
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      applied.push(file);
      log?.info({ migration: file }, 'migration applied');
    }
    return applied;
  } finally {
    await conn.query('SELECT pg_advisory_unlock(727274)');
  }
}

/** Grants of the app role, re-applied after every migration run (idempotent). */
export async function applyGrants(conn: Conn): Promise<void> {
  const stmts = [
    `GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE}`,
    `REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM ${APP_ROLE}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE}`,
    ...INTERNAL_TABLES.map((t) => `REVOKE ALL ON ${t} FROM ${APP_ROLE}`),
    ...APPEND_ONLY_TABLES.map((t) => `REVOKE UPDATE, DELETE ON ${t} FROM ${APP_ROLE}`),
  ];
  for (const s of stmts) await conn.query(s);
}
