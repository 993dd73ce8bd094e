import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './helpers.js';
import type { Tx } from '../src/platform/db/index.js';

/**
 * Tenant isolation is enforced by PostgreSQL row-level security (forced, app role not owner, not
 * superuser, no BYPASSRLS), on PGlite and on a PostgreSQL server alike (CI runs this file on both).
 */
describe('tenant isolation (RLS)', () => {
  let env: TestEnv;
  const A = crypto.randomUUID();
  const B = crypto.randomUUID();
  const userA = crypto.randomUUID();
  const userB = crypto.randomUUID();

  beforeAll(async () => {
    // One pooled connection on pg, so that "the next request on the same connection" is literal.
    env = await createTestEnv({}, { poolMax: 1 });
    await env.ctx.db.platform(async (tx) => {
      for (const [t, name] of [
        [A, '甲公司'],
        [B, '乙公司'],
      ] as const) {
        await tx.execute(`INSERT INTO tenants (id, name, uscc) VALUES ($1, $2, $3)`, [t, name, `USCC-${t.slice(0, 8)}`]);
      }
    });
    await env.ctx.db.tenant(A, (tx) =>
      tx.execute(`INSERT INTO users (tenant_id, id, email, name) VALUES ($1, $2, 'zhangsan@a.example.com', '张三')`, [A, userA]),
    );
    await env.ctx.db.tenant(B, (tx) =>
      tx.execute(`INSERT INTO users (tenant_id, id, email, name) VALUES ($1, $2, 'zhangsan@b.example.com', '张三')`, [B, userB]),
    );
  });
  afterAll(async () => env?.close());

  it('runs as a role that is not superuser, cannot bypass RLS and owns no table', async () => {
    const r = await env.ctx.db.anonymous((tx) =>
      tx.one<{ role: string; su: boolean; bypass: boolean; owned: number }>(
        `SELECT current_user AS role, r.rolsuper AS su, r.rolbypassrls AS bypass,
                (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user)::int AS owned
           FROM pg_roles r WHERE r.rolname = current_user`,
      ),
    );
    expect(r).toEqual({ role: 'pactum_app', su: false, bypass: false, owned: 0 });
  });

  it('has RLS enabled and forced on every table the app can reach', async () => {
    const rows = await env.ctx.db.anonymous((tx) =>
      tx.query<{ relname: string; rls: boolean; forced: boolean }>(
        `SELECT c.relname, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, 'SELECT')`,
      ),
    );
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.filter((r) => !r.rls || !r.forced).map((r) => r.relname)).toEqual([]);
  });

  /**
   * Tables that have no tenant_id at all: platform data (seen only in the platform or a narrow system
   * scope). Any other table must carry tenant_id.
   */
  const PLATFORM_TABLES: Record<string, string> = {
    tenants: 'the tenants themselves (a tenant sees its own row by id)',
    platform_users: 'platform operators',
    platform_keys: "the platform's data keys (onboarding, blind-index root)",
    platform_settings: 'platform-wide settings',
    login_throttle: 'failed sign-in counters per e-mail key and IP, before any tenant is known',
    registration_tokens: 'registration data (before a tenant exists)',
    registration_email_codes: 'registration data (before a tenant exists)',
    registration_versions: 'registration data (before a tenant exists)',
    registration_decisions: 'registration data (before a tenant exists)',
    security_incidents: 'platform security incidents (may span tenants)',
    incident_events: 'timeline of a platform security incident',
    sealed_documents: 'content-addressed sealed PDFs, keyed by hash',
    schema_migrations: 'the migration runner (no grant to the app role)',
  };
  /**
   * Tables with a tenant_id column that is not (or not only) ownership. Each one is justified here; every
   * other table with a tenant_id must have it NOT NULL, first in the primary key and in every unique and
   * foreign key to a tenant table.
   */
  const TENANT_ID_EXCEPTIONS: Record<string, string> = {
    registrations: 'platform data; tenant_id is the tenant that approval created (a reference, not the owner)',
    login_identities: 'one login e-mail platform-wide, looked up before the tenant is known; tenant_id names the account',
  };

  it('keeps tenant_id NOT NULL and in the primary key, unique keys and foreign keys of every table that has one', async () => {
    const problems = await env.ctx.db.anonymous((tx) =>
      tx.query<{ problem: string }>(
        `WITH t AS (
           SELECT c.oid, c.relname,
                  (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tattnum,
                  (SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tnotnull
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY($1::text[]))
         ), owned AS (SELECT * FROM t WHERE tattnum IS NOT NULL)
         SELECT 'table without tenant_id (add it, or list it as platform data): ' || relname AS problem FROM t WHERE tattnum IS NULL AND NOT (relname = ANY($2::text[]))
         UNION ALL
         SELECT 'nullable tenant_id: ' || relname FROM owned WHERE NOT tnotnull
         UNION ALL
         SELECT 'primary key does not start with tenant_id: ' || o.relname
           FROM owned o WHERE NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = o.oid AND i.indisprimary AND i.indkey[0] = o.tattnum)
         UNION ALL
         SELECT 'unique key without tenant_id: ' || i.indexrelid::regclass::text
           FROM owned o JOIN pg_index i ON i.indrelid = o.oid AND i.indisunique
          WHERE NOT (o.tattnum = ANY(i.indkey::int2[]))
         UNION ALL
         SELECT 'foreign key to a tenant table without tenant_id: ' || con.conname
           FROM owned o JOIN pg_constraint con ON con.conrelid = o.oid AND con.contype = 'f'
           JOIN owned r ON r.oid = con.confrelid
          WHERE NOT (o.tattnum = ANY(con.conkey))
         UNION ALL
         SELECT 'view without security_invoker: ' || c.relname
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'v' AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false)`,
        [Object.keys(TENANT_ID_EXCEPTIONS), Object.keys(PLATFORM_TABLES)],
      ),
    );
    expect(problems.map((p) => p.problem).sort()).toEqual([]);
  });

  it('can fail: the structural check notices a tenant table with a nullable tenant_id', async () => {
    // Sessions used to be such a table (platform sessions had tenant_id NULL); now they use the nil tenant.
    const s = await env.ctx.db.anonymous((tx) =>
      tx.one<{ notnull: boolean; pk: string }>(
        `SELECT a.attnotnull AS notnull,
                (SELECT string_agg(att.attname, ',' ORDER BY k.ord) FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                   JOIN pg_attribute att ON att.attrelid = i.indrelid AND att.attnum = k.attnum WHERE i.indrelid = 'sessions'::regclass AND i.indisprimary) AS pk
           FROM pg_attribute a WHERE a.attrelid = 'sessions'::regclass AND a.attname = 'tenant_id'`,
      ),
    );
    expect(s).toEqual({ notnull: true, pk: 'tenant_id,id' });
    for (const t of Object.keys(TENANT_ID_EXCEPTIONS)) {
      const nn = await env.ctx.db.anonymous((tx) => tx.one<{ n: boolean }>(`SELECT attnotnull AS n FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'tenant_id'`, [t]));
      expect(nn.n, `${t} is listed as an exception because its tenant_id is nullable`).toBe(false);
    }
  });

  it('shows only the current tenant to a query without a tenant filter', async () => {
    const a = await env.ctx.db.tenant(A, (tx) => tx.query<{ id: string; tenant_id: string }>(`SELECT id, tenant_id FROM users`));
    expect(a.map((r) => r.id)).toEqual([userA]);
    const t = await env.ctx.db.tenant(A, (tx) => tx.query<{ id: string }>(`SELECT id FROM tenants`));
    expect(t.map((r) => r.id)).toEqual([A]);
  });

  it('fails closed: with no tenant set, tenant-owned and platform tables show nothing', async () => {
    const r = await env.ctx.db.anonymous(async (tx) => ({
      users: (await tx.query(`SELECT * FROM users`)).length,
      tenants: (await tx.query(`SELECT * FROM tenants`)).length,
      sessions: (await tx.query(`SELECT * FROM sessions`)).length,
      keys: (await tx.query(`SELECT * FROM tenant_keys`)).length,
    }));
    expect(r).toEqual({ users: 0, tenants: 0, sessions: 0, keys: 0 });
  });

  it('does not let tenant A read, update, delete or insert rows of tenant B, even by id', async () => {
    await env.ctx.db.tenant(A, async (tx) => {
      expect(await tx.query(`SELECT * FROM users WHERE id = $1`, [userB])).toEqual([]);
      expect(await tx.query(`SELECT * FROM users WHERE tenant_id = $1`, [B])).toEqual([]);
      expect(await tx.execute(`UPDATE users SET name = 'hacked' WHERE id = $1`, [userB])).toBe(0);
      expect(await tx.execute(`DELETE FROM users WHERE id = $1`, [userB])).toBe(0);
      expect(await tx.execute(`UPDATE tenants SET name = 'hacked' WHERE id = $1`, [B])).toBe(0);
    });
    await expect(
      env.ctx.db.tenant(A, (tx) => tx.execute(`INSERT INTO users (tenant_id, id, email, name) VALUES ($1, $2, 'x@b.example.com', 'x')`, [B, crypto.randomUUID()])),
    ).rejects.toThrow(/row-level security/);
    // A cannot move its own row into B either.
    await expect(env.ctx.db.tenant(A, (tx) => tx.execute(`UPDATE users SET tenant_id = $2 WHERE id = $1`, [userA, B]))).rejects.toThrow();
    const b = await env.ctx.db.tenant(B, (tx) => tx.one<{ name: string }>(`SELECT name FROM users WHERE id = $1`, [userB]));
    expect(b.name).toBe('张三');
  });

  it('names are unique per tenant, not platform-wide', async () => {
    // Both tenants hold a user named 张三 (seeded above); the same e-mail twice in one tenant is refused.
    await expect(
      env.ctx.db.tenant(A, (tx) => tx.execute(`INSERT INTO users (tenant_id, id, email, name) VALUES ($1, $2, 'ZhangSan@a.example.com', '张三')`, [A, crypto.randomUUID()])),
    ).rejects.toThrow(/unique|duplicate/i);
  });

  it('does not carry the tenant setting into the next transaction on the same connection, even after a failure', async () => {
    await env.ctx.db.tenant(A, (tx) => tx.query(`SELECT 1`));
    const after = await env.ctx.db.anonymous(async (tx) => ({
      setting: (await tx.one<{ s: string | null }>(`SELECT current_setting('app.tenant_id', true) AS s`)).s,
      users: (await tx.query(`SELECT * FROM users`)).length,
    }));
    expect(after.setting ?? '').toBe('');
    expect(after.users).toBe(0);

    await expect(
      env.ctx.db.tenant(A, async (tx) => {
        await tx.query(`SELECT * FROM users`);
        await tx.query(`SELECT 1/0`);
      }),
    ).rejects.toThrow(/division by zero/);
    const afterFailure = await env.ctx.db.anonymous(async (tx) => ({
      setting: (await tx.one<{ s: string | null }>(`SELECT current_setting('app.tenant_id', true) AS s`)).s,
      platform: (await tx.one<{ p: string | null }>(`SELECT current_setting('app.platform', true) AS p`)).p,
      users: (await tx.query(`SELECT * FROM users`)).length,
    }));
    expect(afterFailure).toEqual({ setting: '', platform: '', users: 0 });

    const b = await env.ctx.db.tenant(B, (tx) => tx.query<{ id: string }>(`SELECT id FROM users`));
    expect(b.map((r) => r.id)).toEqual([userB]);
  });

  it('keeps interleaved concurrent requests of two tenants apart', async () => {
    const env2 = await createTestEnv({}, { poolMax: 4 });
    try {
      const T = [crypto.randomUUID(), crypto.randomUUID()];
      await env2.ctx.db.platform(async (tx) => {
        for (const t of T) await tx.execute(`INSERT INTO tenants (id, name, uscc) VALUES ($1, $2, $3)`, [t, t, t]);
      });
      for (const t of T) {
        await env2.ctx.db.tenant(t, async (tx) => {
          for (let i = 0; i < 5; i++) await tx.execute(`INSERT INTO users (tenant_id, id, email, name) VALUES ($1, $2, $3, $4)`, [t, crypto.randomUUID(), `u${i}@${t}.example.com`, `u${i}`]);
        });
      }
      const runs = Array.from({ length: 40 }, (_, i) => {
        const t = T[i % 2]!;
        return env2.ctx.db.tenant(t, async (tx) => {
          const first = await tx.query<{ tenant_id: string }>(`SELECT tenant_id FROM users`);
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          const second = await tx.query<{ tenant_id: string }>(`SELECT tenant_id FROM users WHERE pg_sleep(0) IS NOT NULL`);
          return { t, seen: [...first, ...second].map((r) => r.tenant_id) };
        });
      });
      const results = await Promise.all(runs);
      for (const r of results) {
        expect(r.seen.length).toBe(10);
        expect(new Set(r.seen)).toEqual(new Set([r.t]));
      }
    } finally {
      await env2.close();
    }
  });

  it('denies the app role TRUNCATE, and UPDATE or DELETE of the audit log', async () => {
    await expect(env.ctx.db.tenant(A, (tx) => tx.execute(`TRUNCATE users`))).rejects.toThrow(/permission denied/);
    await expect(env.ctx.db.tenant(A, (tx) => tx.execute(`UPDATE audit_events SET action = 'x'`))).rejects.toThrow(/permission denied/);
    await expect(env.ctx.db.tenant(A, (tx) => tx.execute(`DELETE FROM audit_events`))).rejects.toThrow(/permission denied/);
    await expect(env.ctx.db.anonymous((tx) => tx.query(`SELECT * FROM schema_migrations`))).rejects.toThrow(/permission denied/);
  });

  describe('narrow system scopes (onboarding, auth) instead of the platform context', () => {
    const tokenA = crypto.randomBytes(32);
    const tokenB = crypto.randomBytes(32);
    const contractA = crypto.randomUUID();
    const asContractReader = (tx: Tx) =>
      tx.query(`SELECT set_config('app.user_id', '', true), set_config('app.clearance', 'restricted', true), set_config('app.scope', 'tenant', true), set_config('app.department_ids', '', true)`);
    beforeAll(async () => {
      const { audit } = await import('../src/platform/audit.js');
      for (const [t, u, tok] of [
        [A, userA, tokenA],
        [B, userB, tokenB],
      ] as const) {
        await env.ctx.db.tenant(t, async (tx) => {
          await tx.execute(
            `INSERT INTO sessions (id, token_hash, csrf_token, kind, tenant_id, user_id, expires_at) VALUES ($1, $2, 'csrf', 'tenant', $3, $4, now() + interval '1 hour')`,
            [crypto.randomUUID(), crypto.createHash('sha256').update(tok).digest(), t, u],
          );
          await audit.record(tx, { tenantId: t, actor: { kind: 'tenant_user', id: u }, action: 'contract.view', objectType: 'contract', objectId: contractA });
        });
      }
      await env.ctx.db.tenant(A, async (tx) => {
        await asContractReader(tx);
        await tx.execute(`INSERT INTO contracts (tenant_id, id, number, title, type, owner_id, created_by) VALUES ($1, $2, 'HT-2026-0001', '采购合同', 'purchase', $3, $3)`, [A, contractA, userA]);
      });
      // The seeded rows are there for the tenant itself.
      expect(await env.ctx.db.tenant(A, async (tx) => (await asContractReader(tx), (await tx.query(`SELECT 1 FROM contracts`)).length))).toBe(1);
    });

    const counts = async (tx: Tx) => {
      await asContractReader(tx);
      const n = async (sql: string) => (await tx.query(sql)).length;
      return {
        sessions: await n(`SELECT 1 FROM sessions`),
        tenants: await n(`SELECT 1 FROM tenants`),
        users: await n(`SELECT 1 FROM users`),
        contracts: await n(`SELECT 1 FROM contracts`),
        tenantAudit: await n(`SELECT 1 FROM audit_events WHERE tenant_id <> '00000000-0000-0000-0000-000000000000'`),
        platformUsers: await n(`SELECT 1 FROM platform_users`),
        tenantKeys: await n(`SELECT 1 FROM tenant_keys`),
        loginIdentities: await n(`SELECT 1 FROM login_identities`),
      };
    };
    const NOTHING = { sessions: 0, tenants: 0, users: 0, contracts: 0, tenantAudit: 0, platformUsers: 0, tenantKeys: 0, loginIdentities: 0 };

    it('onboarding scope: no platform flag, and no session, tenant, user, contract or tenant audit row of any tenant', async () => {
      const r = await env.ctx.db.system('onboarding', async (tx) => ({
        platform: (await tx.one<{ p: string | null }>(`SELECT current_setting('app.platform', true) AS p`)).p ?? '',
        ...(await counts(tx)),
      }));
      expect(r).toEqual({ platform: '', ...NOTHING });
      // Even a crafted write is refused, and actAsTenant is not available to it.
      await expect(env.ctx.db.system('onboarding', (tx) => tx.execute(`UPDATE users SET name = 'x'`))).resolves.toBe(0);
      await expect(env.ctx.db.system('onboarding', (tx) => tx.actAsTenant(A))).rejects.toThrow(/actAsTenant/);
      // It does see registrations (its own business), which the anonymous scope does not.
      await env.ctx.db.system('onboarding', (tx) => tx.execute(`INSERT INTO registrations (id, company_name) VALUES ($1, '示例申请有限公司')`, [crypto.randomUUID()]));
      expect((await env.ctx.db.system('onboarding', (tx) => tx.query(`SELECT 1 FROM registrations`))).length).toBeGreaterThan(0);
      expect((await env.ctx.db.anonymous((tx) => tx.query(`SELECT 1 FROM registrations`))).length).toBe(0);
    });

    it('onboarding scope: a probe shows at most the one tenant with the probed USCC, nothing else', async () => {
      const { probe } = await import('../src/platform/db/index.js');
      const seen = await env.ctx.db.system('onboarding', async (tx) => {
        await probe(tx, 'uscc', `USCC-${A.slice(0, 8)}`);
        return tx.query<{ id: string }>(`SELECT id FROM tenants`);
      });
      expect(seen.map((r) => r.id)).toEqual([A]);
    });

    it('auth scope: without a probe it sees nothing; with one token hash it sees that session and, acting for its tenant, only that tenant', async () => {
      const { probe } = await import('../src/platform/db/index.js');
      expect(await env.ctx.db.system('auth', (tx) => counts(tx))).toEqual(NOTHING);
      const r = await env.ctx.db.system('auth', async (tx) => {
        await probe(tx, 'token_hash', crypto.createHash('sha256').update(tokenA).digest('hex'));
        const sessions = await tx.query<{ tenant_id: string }>(`SELECT tenant_id FROM sessions`);
        await tx.actAsTenant(A);
        const c = await counts(tx);
        return { sessions: sessions.map((s) => s.tenant_id), users: c.users, tenants: c.tenants, other: (await tx.query(`SELECT 1 FROM users WHERE tenant_id = $1`, [B])).length };
      });
      expect(r).toEqual({ sessions: [A], users: 1, tenants: 1, other: 0 });
    });

    it('the scopes do not leak into the next transaction on the same connection', async () => {
      await env.ctx.db.system('onboarding', (tx) => tx.query(`SELECT 1`));
      const after = await env.ctx.db.anonymous((tx) => tx.one<{ s: string | null }>(`SELECT current_setting('app.system', true) AS s`));
      expect(after.s ?? '').toBe('');
    });
  });

  it('rejects a malformed tenant id before it reaches SQL', async () => {
    await expect(env.ctx.db.tenant(`${A}' OR '1'='1`, (tx) => tx.query(`SELECT 1`))).rejects.toThrow(/invalid tenant id/);
  });
});

describe.runIf(!!process.env.DATABASE_URL)('a separate login for the request pool (PostgreSQL server)', () => {
  it('runs requests under a login that cannot become the owner, not even with RESET ROLE', async () => {
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    // Trust authentication here; a real deployment gives the role a password (docs/operations.md).
    await admin.query(`DO $$ BEGIN CREATE ROLE pactum_app NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    await admin.query(`ALTER ROLE pactum_app LOGIN`);
    await admin.end();
    const env = await createTestEnv({}, { appLogin: 'pactum_app' });
    try {
      const who = await env.ctx.db.anonymous(async (tx) => {
        await tx.query(`RESET ROLE`);
        return tx.one<{ session_user: string; current_user: string }>(`SELECT session_user, current_user`);
      });
      expect(who).toEqual({ session_user: 'pactum_app', current_user: 'pactum_app' });
      await expect(env.ctx.db.anonymous((tx) => tx.query(`SET ROLE postgres`))).rejects.toThrow(/permission denied/);
      await expect(env.ctx.db.anonymous((tx) => tx.query(`SELECT * FROM schema_migrations`))).rejects.toThrow(/permission denied/);
    } finally {
      await env.close();
    }
  });
});
