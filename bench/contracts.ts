/**
 * Contracts list/search benchmark on a PostgreSQL server.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/contracts.ts
 *   (BENCH_TENANTS=1000 BENCH_CONTRACTS=1000000 BENCH_RUNS=50 by default)
 *
 * Creates a fresh database next to DATABASE_URL, migrates it, loads the tenants and contracts with
 * generate_series on the server (the keyed body grams are computed here per tenant and variant, then
 * joined in), ANALYZEs, and times the real service calls (app role, RLS on) for one tenant: list page 1,
 * body search (违约责任), title search, party filter, amount range. Prints p50/p95 in ms. Drops the
 * database afterwards unless BENCH_KEEP=1.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/platform/config.js';
import { createContext } from '../src/platform/context.js';
import { createServices } from '../src/app.js';
import { gramTokens, grams } from '../src/modules/contracts/text.js';
import type { Auth } from '../src/modules/security/service.js';

const base = process.env.DATABASE_URL;
if (!base) {
  process.stderr.write('set DATABASE_URL to a PostgreSQL server (a fresh database is created on it)\n');
  process.exit(2);
}
const T = Number(process.env.BENCH_TENANTS ?? 1000);
const N = Number(process.env.BENCH_CONTRACTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);

const VARIANTS = [
  '软件开发服务合同 第一条 合同当事人 第二条 开发内容 第三条 价款与支付 合同总价款 增值税 第四条 履行期限 第五条 交付与验收 第六条 保密 第七条 违约责任 违约金 第八条 争议解决 人民法院',
  '设备采购合同 第一条 标的物 服务器 交换机 第二条 价款与支付 质量保证金 第三条 交付与验收 开箱验收 第四条 质量保证 第五条 保密 第六条 违约责任 第七条 不可抗力 第八条 争议解决',
  '技术服务合同 第一条 服务内容与方式 安全评估 渗透测试 第二条 价款与支付 服务费 第三条 履行期限 第四条 交付与验收 第五条 保密 第六条 争议解决 协商 仲裁',
];
const TITLES = ['软件开发服务合同', '设备采购合同', '技术服务合同', '房屋租赁合同', '物流运输合同', '广告发布合同', '咨询服务合同', '软件许可协议'];
const PARTIES = [
  ['阿里巴巴（中国）有限公司', '91330100799655058B'],
  ['腾讯科技（深圳）有限公司', '91440300708461136T'],
  ['华为技术有限公司', '914403001922038216'],
  ['北京百度网讯科技有限公司', '91110000802100433B'],
  ['小米科技有限责任公司', '91110108551385082Q'],
];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main() {
  const name = `pactum_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base!);
  u.pathname = `/${name}`;
  const url = u.toString();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactum-bench-'));
  const config = loadConfig({ PACTUM_DATA_DIR: dataDir, PACTUM_JOBS: 'off', LOG_LEVEL: 'silent' }, { databaseUrl: url, publicUrl: 'http://bench', allowGeneratedMasterKey: true });
  const ctx = await createContext(config, { log: pino({ level: 'silent' }) });
  const services = createServices(ctx);
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  const t0 = Date.now();
  try {
    process.stdout.write(`loading ${T} tenants and ${N} contracts into ${name} …\n`);
    await owner.query(
      `INSERT INTO tenants (id, name, uscc, status) SELECT md5('t' || g)::uuid, '基准租户' || g, 'B' || lpad(g::text, 17, '0'), 'active' FROM generate_series(1, $1) g`,
      [T],
    );
    const tenants = (await owner.query<{ id: string }>(`SELECT id FROM tenants ORDER BY id`)).rows.map((r) => r.id);
    await owner.query(`CREATE UNLOGGED TABLE bench_grams (tenant_id uuid, variant int, grams text[], PRIMARY KEY (tenant_id, variant))`);
    const rows: unknown[][] = [];
    for (const t of tenants) VARIANTS.forEach((v, i) => rows.push([t, i, gramTokens(ctx.keys, t, grams(v))]));
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await owner.query(
        `INSERT INTO bench_grams
         SELECT x.t, x.v, ARRAY(SELECT jsonb_array_elements_text($3::jsonb -> (x.o::int - 1)))
           FROM unnest($1::uuid[], $2::int[]) WITH ORDINALITY AS x(t, v, o)`,
        [chunk.map((r) => r[0]), chunk.map((r) => r[1]), JSON.stringify(chunk.map((r) => r[2]))],
      );
    }
    await owner.query(`CREATE UNLOGGED TABLE bench_tenants AS SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS n FROM tenants`);
    const titles = `(ARRAY[${TITLES.map((x) => `'${x}'`).join(',')}])`;
    const parties = `(ARRAY[${PARTIES.map(([n, c]) => `'[{"name":"${n}","uscc":"${c}"}]'`).join(',')}]::jsonb[])`;
    const partyText = `(ARRAY[${PARTIES.map(([n, c]) => `'${n} ${c}'`).join(',')}])`;
    const batch = 100_000;
    for (let from = 0; from < N; from += batch) {
      const to = Math.min(N, from + batch) - 1;
      await owner.query(
        `INSERT INTO contracts (tenant_id, id, number, title, type, counterparties, amount_fen, signing_date, start_date, end_date, sensitivity,
           owner_id, status, tags, search_text, body_grams, created_by, created_at, updated_at)
         SELECT bt.id, md5('c' || g)::uuid, 'HT-2026-' || lpad(g::text, 7, '0'),
                ${titles}[1 + g % 8] || ' ' || g, 'type' || (g % 8), ${parties}[1 + g % 5], (g::bigint * 7919) % 500000000, DATE '2020-01-01' + (g % 2500),
                DATE '2020-01-01' + (g % 2500), DATE '2021-01-01' + (g % 2500), 'internal', md5('u' || (g % 50))::uuid,
                (ARRAY['draft','in_approval','approved','signing','signed','archived'])[1 + g % 6], ARRAY['tag' || (g % 20)],
                'HT-' || g || ' ' || ${titles}[1 + g % 8] || ' ' || ${partyText}[1 + g % 5], bg.grams, md5('u' || (g % 50))::uuid,
                now() - make_interval(mins => g % 500000), now() - make_interval(mins => g % 500000)
           FROM generate_series($1::int, $2::int) g
           JOIN bench_tenants bt ON bt.n = g % $3
           JOIN bench_grams bg ON bg.tenant_id = bt.id AND bg.variant = g % 3`,
        [from, to, T],
      );
      process.stdout.write(`  ${to + 1} contracts (${Math.round((Date.now() - t0) / 1000)} s)\n`);
    }
    await owner.query(`ANALYZE contracts`);
    const loadSeconds = (Date.now() - t0) / 1000;
    const tenantId = tenants[2]!; // n = 2: its contracts have g % 5 = 2 (华为 as the party)
    const count = (await owner.query<{ n: string }>(`SELECT count(*) AS n FROM contracts WHERE tenant_id = $1`, [tenantId])).rows[0]!.n;
    // The measured user is real: entitlements and built-in roles of the tenant (as provisioning seeds
    // them), an active viewer with clearance `internal` and scope `tenant`. The list then runs the same
    // path as a request: access.checkTx (roles ∩ entitlements ∩ tenant state), then the data scope and
    // the RESTRICTIVE contracts_level RLS policy on every row.
    const userId = crypto.randomUUID();
    await ctx.db.platform(async (tx) => {
      await tx.actAsTenant(tenantId);
      await services.access.seedTenant(tx, tenantId);
      await tx.execute(
        `INSERT INTO users (tenant_id, id, email, name, password_hash, roles, status, must_change_password, clearance, scope)
         VALUES ($1, $2, 'bench@example.com', '基准用户', 'x', ARRAY['viewer'], 'active', false, 'internal', 'tenant')`,
        [tenantId, userId],
      );
      await tx.execute(`INSERT INTO user_roles (tenant_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE tenant_id = $1 AND key = 'viewer'`, [tenantId, userId]);
    });
    const auth = {
      sessionId: 'bench',
      csrfToken: 'bench',
      user: { id: userId, email: 'bench@example.com', name: 'bench', kind: 'tenant', roles: ['viewer'], mustChangePassword: false, mfaSetupRequired: false },
      tenant: { id: tenantId, name: 'bench', uscc: 'x', status: 'active', plan: 'trial', timeZone: 'Asia/Shanghai' },
      reauthAt: null,
      amr: ['pwd'],
    } satisfies Auth;
    const cases: Array<[string, Record<string, unknown>]> = [
      ['list page 1', {}],
      ['search 违约责任 (body grams)', { q: '违约责任' }],
      ['search 设备采购 (title)', { q: '设备采购' }],
      ['filter party 华为 + status signed', { party: '华为', status: 'signed' }],
      ['filter amount 1–2 million fen', { minAmountFen: 100_000_000, maxAmountFen: 200_000_000 }],
    ];
    const lines = [`tenants ${T}, contracts ${N} (this tenant: ${count}); load ${loadSeconds.toFixed(0)} s; ${RUNS} runs each`, '', '| query | hits | p50 ms | p95 ms |', '| --- | ---: | ---: | ---: |'];
    for (const [label, q] of cases) {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < RUNS + 3; i++) {
        const s = process.hrtime.bigint();
        const r = await services.contracts.list(auth, { page: 1, pageSize: 20, ...q } as never);
        const ms = Number(process.hrtime.bigint() - s) / 1e6;
        total = r.total;
        if (i >= 3) times.push(ms);
      }
      lines.push(`| ${label} | ${total} | ${pct(times, 50).toFixed(1)} | ${pct(times, 95).toFixed(1)} |`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await owner.end();
    await ctx.db.close();
    if (process.env.BENCH_KEEP !== '1') {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
