import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { runMigrations, applyGrants, APP_ROLE } from './migrate.js';

export type Row = Record<string, unknown>;

/** A single connection, exclusively held for the duration of one transaction. */
export interface Conn {
  query(text: string, params?: unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
  /** Runs several statements without parameters (migrations). */
  script(sql: string): Promise<void>;
}

export interface Driver {
  readonly kind: 'pglite' | 'pg';
  /** Runs fn with a connection nobody else uses meanwhile. */
  exclusive<T>(fn: (c: Conn) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Narrow system scopes for work that runs before anyone is signed in. Each one sets `app.system` and only
 * the RLS policies written for it accept it (migrations/0011_system_scopes.sql):
 *  - `onboarding`: an applicant's own registration (registrations and their children, the onboarding
 *    data key, the platform audit chain's registration events), and a probe for one USCC / one e-mail;
 *  - `auth`: resolving one session cookie by its token hash (then `actAsTenant` for the session's
 *    tenant), the platform user of a platform session, the platform's security policy.
 * Neither sees any other tenant's sessions, users, contracts or audit events.
 */
export type SystemScope = 'onboarding' | 'auth';

/** Who a transaction acts for. Tenant work sees one tenant; platform work is explicit and audited. */
export type Scope = { kind: 'tenant'; tenantId: string } | { kind: 'platform' } | { kind: 'system'; name: SystemScope };

export interface Tx {
  readonly scope: Scope;
  query<T = Row>(text: string, params?: unknown[]): Promise<T[]>;
  /** Exactly one row or an error. */
  one<T = Row>(text: string, params?: unknown[]): Promise<T>;
  maybeOne<T = Row>(text: string, params?: unknown[]): Promise<T | undefined>;
  execute(text: string, params?: unknown[]): Promise<number>;
  /**
   * Inside a platform transaction, additionally act for one tenant (used when the platform provisions a
   * tenant). Tenant-owned tables then accept rows of that tenant only. Also allowed in the `auth` system
   * scope, once a session or sign-in has named its tenant.
   */
  actAsTenant(tenantId: string): Promise<void>;
  /** Runs after a successful COMMIT (mail, notifications); never for a rolled-back transaction. */
  afterCommit(fn: () => unknown): void;
}

export interface Database {
  readonly driver: Driver['kind'];
  /** A transaction in which RLS shows exactly one tenant's rows. */
  tenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction in the platform (cross-tenant) context. Callers audit what they do with it. */
  platform<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction in a narrow system scope (see SystemScope): no `app.platform`, only its own policies. */
  system<T>(name: SystemScope, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction with no tenant and no platform flag: RLS shows nothing tenant-owned (fail closed). */
  anonymous<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const inTx = new AsyncLocalStorage<boolean>();

class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class DbError extends Error {}

function makeDatabase(driver: Driver, log?: Logger): Database {
  async function run<T>(scope: Scope | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (inTx.getStore()) {
      // One request, one transaction: a nested one would deadlock PGlite and escape the outer scope on pg.
      throw new DbError('nested database transaction');
    }
    if (scope?.kind === 'tenant' && !UUID_RE.test(scope.tenantId)) throw new DbError('invalid tenant id');
    const hooks: Array<() => unknown> = [];
    const result = await driver.exclusive(async (c) =>
      inTx.run(true, async () => {
        await c.query('BEGIN');
        try {
          await c.query("SELECT set_config('app.tenant_id', $1, true), set_config('app.platform', $2, true), set_config('app.system', $3, true)", [
            scope?.kind === 'tenant' ? scope.tenantId : '',
            scope?.kind === 'platform' ? 'on' : '',
            scope?.kind === 'system' ? scope.name : '',
          ]);
          const tx: Tx = {
            scope: scope ?? { kind: 'tenant', tenantId: '' },
            async query<R>(text: string, params?: unknown[]) {
              return (await c.query(text, params)).rows as R[];
            },
            async one<R>(text: string, params?: unknown[]) {
              const rows = (await c.query(text, params)).rows;
              if (rows.length !== 1) throw new DbError(`expected one row, got ${rows.length}`);
              return rows[0] as R;
            },
            async maybeOne<R>(text: string, params?: unknown[]) {
              return (await c.query(text, params)).rows[0] as R | undefined;
            },
            async execute(text: string, params?: unknown[]) {
              return (await c.query(text, params)).rowCount;
            },
            async actAsTenant(tenantId: string) {
              if (scope?.kind !== 'platform' && !(scope?.kind === 'system' && scope.name === 'auth')) {
                throw new DbError('actAsTenant needs a platform (or auth) transaction');
              }
              if (!UUID_RE.test(tenantId)) throw new DbError('invalid tenant id');
              await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
            },
            afterCommit(fn) {
              hooks.push(fn);
            },
          };
          const value = await fn(tx);
          await c.query('COMMIT');
          return value;
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    );
    for (const hook of hooks) {
      try {
        await hook();
      } catch (err) {
        log?.error({ err }, 'after-commit hook failed');
      }
    }
    return result;
  }

  return {
    driver: driver.kind,
    tenant: (tenantId, fn) => run({ kind: 'tenant', tenantId }, fn),
    platform: (fn) => run({ kind: 'platform' }, fn),
    system: (name, fn) => {
      if (name !== 'onboarding' && name !== 'auth') throw new DbError(`unknown system scope ${String(name)}`);
      return run({ kind: 'system', name }, fn);
    },
    anonymous: (fn) => run(null, fn),
    async ping() {
      try {
        await driver.exclusive((c) => c.query('SELECT 1'));
        return true;
      } catch {
        return false;
      }
    },
    close: () => driver.close(),
  };
}

/**
 * The embedded database belongs to one process: PGlite keeps its state in memory and writes the directory
 * back on its own schedule, so a second process (a CLI script next to `npm start`) would read a stale copy
 * and its writes would be lost or corrupt the directory. `<dir>/pactum.lock` holds the owner's pid; a
 * second opener is refused with a readable message, a lock left by a dead process is taken over.
 */
export class DataDirInUse extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by another Pactum process (pid ${pid}). ` +
        'Stop it first (e.g. stop `npm start`), then run this command again; or use a PostgreSQL server (DATABASE_URL), which many processes can share.',
    );
  }
}

function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'pactum.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      let alive = false;
      if (pid === process.pid) alive = true;
      else if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (e) {
          alive = (e as NodeJS.ErrnoException).code === 'EPERM';
        }
      }
      if (alive) throw new DataDirInUse(dataDir, pid);
      fs.rmSync(file, { force: true }); // left by a process that is gone
    }
  }
  throw new Error(`could not lock ${file}`);
}

async function openPglite(dataDir: string | null): Promise<{ driver: Driver; owner: Conn }> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  let pg: InstanceType<typeof PGlite>;
  let unlock = () => {};
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    unlock = lockDataDir(dataDir);
    pg = new PGlite(dataDir, { extensions: { pg_trgm } });
  } else {
    pg = new PGlite({ extensions: { pg_trgm } });
  }
  await pg.waitReady;
  const mutex = new Mutex();
  const conn: Conn = {
    async query(text, params) {
      const r = await pg.query(text, params as unknown[] | undefined);
      return { rows: normalizeRows(r.rows as Row[]), rowCount: r.affectedRows ?? r.rows.length };
    },
    async script(sql) {
      await pg.exec(sql);
    },
  };
  const driver: Driver = {
    kind: 'pglite',
    exclusive: (fn) => mutex.run(() => fn(conn)),
    close: () => mutex.run(() => pg.close()).finally(unlock),
  };
  return { driver, owner: conn };
}

/** PGlite returns bytea as Uint8Array; the app works with Buffers, as node-postgres returns them. */
function normalizeRows(rows: Row[]): Row[] {
  for (const row of rows) {
    for (const k of Object.keys(row)) {
      const v = row[k];
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  return rows;
}

async function openPg(url: string, appUrl: string | undefined, poolMax: number, onIdleError?: (err: Error) => void): Promise<{ driver: Driver; owner: Conn; closeOwner: () => Promise<void> }> {
  const pgmod = await import('pg');
  const pgm = pgmod.default;
  // int8 (counts, fen amounts) as numbers; refuse values that would lose precision.
  pgm.types.setTypeParser(20, (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new DbError(`int8 value out of safe range: ${v}`);
    return n;
  });
  const ownerClient = new pgm.Client({ connectionString: url });
  await ownerClient.connect();
  const pool = new pgm.Pool({ connectionString: appUrl ?? url, max: poolMax });
  // An idle connection that the server ends (restart, admin command) must not crash the process.
  pool.on('error', (err) => onIdleError?.(err));
  pool.on('connect', (client) => {
    // Queued before any other query on this client: the app never runs as the table owner.
    client.query(`SET ROLE ${APP_ROLE}`).catch(() => undefined);
  });
  const driver: Driver = {
    kind: 'pg',
    async exclusive(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        return await fn({
          async query(text, params) {
            try {
              const r = await client.query(text, params as unknown[] | undefined);
              return { rows: r.rows as Row[], rowCount: r.rowCount ?? 0 };
            } catch (err) {
              if ((err as { code?: string }).code === undefined) broken = err as Error;
              throw err;
            }
          },
          async script(sql) {
            await client.query(sql);
          },
        });
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
  const owner: Conn = {
    async query(text, params) {
      const r = await ownerClient.query(text, params as unknown[] | undefined);
      return { rows: r.rows as Row[], rowCount: r.rowCount ?? 0 };
    },
    async script(sql) {
      await ownerClient.query(sql);
    },
  };
  return { driver, owner, closeOwner: () => ownerClient.end() };
}

export interface OpenOptions {
  databaseUrl?: string;
  /** A separate, non-owner login for the request pool (see Config.databaseAppUrl). */
  databaseAppUrl?: string;
  /** PGlite data directory; null = in memory (tests). */
  pgliteDir?: string | null;
  migrationsDir?: string;
  log?: Logger;
  /** Connections in the pg pool (default PG_POOL_MAX or 10). */
  poolMax?: number;
}

/**
 * Opens the database, applies the forward-only migrations as the owner, then switches to the app role and
 * refuses to continue if that role could bypass row-level security.
 */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const migrationsDir = opts.migrationsDir ?? path.resolve(import.meta.dirname, '../../../migrations');
  let driver: Driver;
  if (opts.databaseUrl) {
    const { driver: d, owner, closeOwner } = await openPg(opts.databaseUrl, opts.databaseAppUrl, opts.poolMax ?? Number(process.env.PG_POOL_MAX ?? 10), (err) =>
      opts.log?.warn({ err }, 'idle database connection failed'),
    );
    try {
      await runMigrations(owner, migrationsDir, opts.log);
      await applyGrants(owner);
    } finally {
      await closeOwner();
    }
    driver = d;
  } else {
    const { driver: d, owner } = await openPglite(opts.pgliteDir ?? null);
    await runMigrations(owner, migrationsDir, opts.log);
    await applyGrants(owner);
    await owner.query(`SET ROLE ${APP_ROLE}`);
    driver = d;
  }
  await assertSafeRole(driver);
  return makeDatabase(driver, opts.log);
}

export async function assertSafeRole(driver: Driver): Promise<void> {
  const row = await driver.exclusive(async (c) => {
    const r = await c.query(
      `SELECT current_user AS role, r.rolsuper AS super, r.rolbypassrls AS bypass,
              (SELECT count(*) FROM pg_tables t WHERE t.schemaname = 'public' AND t.tableowner = current_user)::int AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    return r.rows[0] as { role: string; super: boolean; bypass: boolean; owned: number };
  });
  if (!row || row.super || row.bypass || row.owned > 0) {
    throw new DbError(
      `refusing to start: database role ${row?.role} is a superuser, bypasses RLS or owns tables; the app must run as ${APP_ROLE}`,
    );
  }
}

/**
 * Names the single key a system-scope transaction is about to look up in a table it may otherwise not
 * read (see migrations/0011_system_scopes.sql): RLS then shows that one row, if it exists, and nothing
 * else. Transaction-local like every other setting.
 */
export async function probe(tx: Tx, name: 'uscc' | 'email_key' | 'token_hash' | 'user_id', value: string): Promise<void> {
  await tx.query(`SELECT set_config($1, $2, true)`, [`app.probe_${name}`, value]);
}
