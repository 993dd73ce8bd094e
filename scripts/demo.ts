/**
 * Demo data (opt-in): a demo tenant with users, custom fields, a two-step approval workflow, the fixture
 * template and the three fixture contracts (test/fixtures/contracts, written in the clause structure of the
 * national model texts) in several states: one signed and archived (imported from the DOCX), one waiting
 * for the second approval step (imported from the PDF), one draft (from the text) with a follower.
 *
 *   npm run demo                      (uses PACTUM_DATA_DIR or DATABASE_URL like `npm start`)
 *   PACTUM_DEMO_PASSWORD=… npm run demo
 *
 * It goes through the same services as the API (permissions, data levels, audit, encryption, numbering,
 * approval, signing, seal), acting as the demo users. Run it once per database: a second run stops
 * because the demo tenant exists. Signing codes are read from the mail the run itself sends.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../src/platform/config.js';
import { createContext } from '../src/platform/context.js';
import { createServices, type Services } from '../src/app.js';
import type { AppContext } from '../src/platform/context.js';
import { hashPassword } from '../src/platform/passwords.js';
import type { Auth } from '../src/modules/security/service.js';
import type { FieldDefinition } from '../src/modules/contracts/fields.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'contracts');
const DEMO = { name: '示范数字科技（上海）有限公司', uscc: '91310115MA1K4DEMO8', domain: 'demo-pactum.example.cn' };

interface Fixture {
  key: string;
  title: string;
  type: string;
  amountFen: number;
  signingDate: string;
  startDate: string;
  endDate: string;
  partyB: { name: string; uscc: string; contact: string; phone: string; email: string };
  files: { text: string; docx: string; pdf: string };
}

function addDays(n: number): string {
  const d = new Date(Date.now() + n * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

export interface DemoResult {
  created: boolean;
  tenantId?: string;
  password?: string;
  contracts: Array<{ id: string; number: string; title: string; status: string }>;
  users: Array<{ email: string; name: string; roles: string[] }>;
}

/** Seeds the demo tenant through the services; returns what it made (nothing when the tenant exists). */
export async function seedDemo(ctx: AppContext, services: Services, password = process.env.PACTUM_DEMO_PASSWORD ?? `Demo-${crypto.randomBytes(6).toString('base64url')}-9`): Promise<DemoResult> {
  // Signing codes: the run reads the codes from the messages it sends itself (they still go out as usual).
  const codes = new Map<string, string>();
  const original = ctx.mailer;
  const send = ctx.mailer.send.bind(ctx.mailer);
  ctx.mailer = {
    target: ctx.mailer.target,
    async send(msg) {
      const m = /签署验证码.*?(\d{6})/.exec(msg.subject ?? '');
      if (m) codes.set(String(msg.to).toLowerCase(), m[1]!);
      return send(msg);
    },
  };
  const { contracts, access } = services;
  try {
    const exists = await ctx.db.platform((tx) => tx.maybeOne(`SELECT 1 FROM tenants WHERE uscc = $1 AND status <> 'terminated'`, [DEMO.uscc]));
    if (exists) return { created: false, contracts: [], users: [] };
    const tenantId = crypto.randomUUID();
    const people = [
      { key: 'admin', name: '张管理', roles: ['tenant_admin'] },
      { key: 'manager', name: '李娜', roles: ['contract_manager'] },
      { key: 'legal', name: '周法务', roles: ['approver'] },
      { key: 'finance', name: '吴财务', roles: ['approver'] },
      { key: 'signer', name: '马签署', roles: ['signer'] },
      { key: 'archivist', name: '郑归档', roles: ['archivist'] },
    ] as const;
    const hash = await hashPassword(password);
    const users: Record<(typeof people)[number]['key'], Auth> = {} as never;
    await ctx.db.platform(async (tx) => {
      await tx.execute(`INSERT INTO tenants (id, name, uscc, status, plan) VALUES ($1, $2, $3, 'active', 'trial')`, [tenantId, DEMO.name, DEMO.uscc]);
      await tx.actAsTenant(tenantId);
      await ctx.keys.createTenantKey(tx, tenantId);
      await access.seedTenant(tx, tenantId);
      for (const p of people) {
        const id = crypto.randomUUID();
        const email = `${p.key}@${DEMO.domain}`;
        await tx.execute(
          `INSERT INTO users (tenant_id, id, email, name, password_hash, roles, status, must_change_password, clearance, scope)
           VALUES ($1, $2, $3, $4, $5, $6, 'active', false, 'confidential', 'tenant')`,
          [tenantId, id, email, p.name, hash, [...p.roles]],
        );
        await tx.execute(`INSERT INTO user_roles (tenant_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE tenant_id = $1 AND key = ANY($3::text[])`, [tenantId, id, [...p.roles]]);
        await tx.execute(`INSERT INTO login_identities (email_key, kind, tenant_id, user_id) VALUES ($1, 'tenant', $2, $3)`, [email, tenantId, id]);
        users[p.key] = {
          sessionId: 'demo',
          csrfToken: 'demo',
          user: { id, email, name: p.name, kind: 'tenant', roles: [...p.roles], mustChangePassword: false, mfaSetupRequired: false },
          tenant: { id: tenantId, name: DEMO.name, uscc: DEMO.uscc, status: 'active', plan: 'trial', timeZone: 'Asia/Shanghai' },
          reauthAt: null,
          amr: ['pwd'],
        } satisfies Auth;
      }
    });
    const meta = { ip: '127.0.0.1', userAgent: 'pactum-demo' };
    const { admin, manager, legal, finance, signer, archivist } = users;

    // Tenant configuration: custom fields, the workflow (finance only above ¥1,000,000), the template.
    const fields: FieldDefinition[] = [
      { key: 'project_code', labelZh: '项目编号', labelEn: 'Project code', type: 'text', required: false, options: [] },
      { key: 'budget_line', labelZh: '预算科目', labelEn: 'Budget line', type: 'select', required: false, options: ['研发费用', '资本性支出', '管理费用'] },
      { key: 'deposit', labelZh: '履约保证金', labelEn: 'Performance bond', type: 'amount', required: false, options: [] },
    ];
    await contracts.setFieldDefinitions(admin, fields, meta);
    await contracts.setWorkflow(admin, {
      name: '两级审批',
      steps: [
        { name: '法务审核', approver: { kind: 'user', userId: legal.user.id }, mode: 'any' },
        { name: '财务审核', approver: { kind: 'user', userId: finance.user.id }, mode: 'any', when: { minAmountFen: 100_000_000 } },
      ],
    }, meta);
    const index = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'contracts.json'), 'utf8')) as { contracts: Fixture[]; template: { name: string; type: string; variables: Array<{ name: string; type: 'text' | 'date' | 'amount' | 'party'; label?: string }>; body: string } };
    await contracts.createTemplate(admin, index.template, meta);

    const draftOf = async (f: Fixture, extra: Record<string, unknown>) =>
      contracts.create(manager, {
        title: f.title,
        type: f.type,
        counterparties: [{ name: f.partyB.name, uscc: f.partyB.uscc, role: '乙方', contact: { name: f.partyB.contact, phone: f.partyB.phone, email: f.partyB.email } }],
        amountFen: f.amountFen,
        currency: 'CNY',
        startDate: f.startDate,
        endDate: f.endDate,
        autoRenew: false,
        sensitivity: 'internal',
        tags: [f.type],
        customFields: {},
        ...extra,
      } as never, meta);
    const importFrom = (id: string, file: string) => contracts.importFile(manager, id, { stream: Readable.from(fs.readFileSync(path.join(FIXTURES, file))), filename: file }, meta);
    const [software, equipment, third] = index.contracts as [Fixture, Fixture, Fixture];
    const made: DemoResult['contracts'] = [];

    // 1. Signed and archived: imported from the DOCX, approved in two steps, signed by the internal signer.
    const a = await draftOf(software, { customFields: { project_code: 'DEMO-2026-001', budget_line: '研发费用', deposit: 5_000_000 } });
    await importFrom(a.id, software.files.docx);
    await contracts.submit(manager, a.id, meta);
    await contracts.decide(legal, a.id, 'approve', '条款齐全，同意。', meta);
    await contracts.decide(finance, a.id, 'approve', '预算已落实。', meta);
    await contracts.setSigners(manager, a.id, [{ kind: 'internal', step: 1, userId: signer.user.id }], meta);
    await contracts.startSigning(manager, a.id, addDays(14), meta);
    await contracts.requestInternalCode(signer, a.id);
    const code = codes.get(signer.user.email.toLowerCase());
    if (!code) throw new Error('no signing code was sent');
    await contracts.signInternal(signer, a.id, code, meta);
    const archived = await contracts.archive(archivist, a.id, {}, meta);
    made.push({ id: a.id, number: archived.number, title: software.title, status: archived.status });

    // 2. In approval: imported from the PDF, approved by 法务, waiting for 财务 (amount above ¥1,000,000).
    const b = await draftOf(equipment, { customFields: { project_code: 'DEMO-2026-002', budget_line: '资本性支出' } });
    await importFrom(b.id, equipment.files.pdf);
    await contracts.submit(manager, b.id, meta);
    const waiting = await contracts.decide(legal, b.id, 'approve', '同意，请财务确认付款安排。', meta);
    made.push({ id: b.id, number: waiting.number, title: equipment.title, status: waiting.status });

    // 3. Draft from the text, followed by the archivist (expiry reminders go to the owner and followers).
    const c = await draftOf(third, { body: fs.readFileSync(path.join(FIXTURES, third.files.text), 'utf8'), customFields: { project_code: 'DEMO-2026-003' } });
    await contracts.follow(archivist, c.id, true, meta);
    made.push({ id: c.id, number: c.number, title: third.title, status: c.status });
    return { created: true, tenantId, password, contracts: made, users: people.map((p) => ({ email: `${p.key}@${DEMO.domain}`, name: p.name, roles: [...p.roles] })) };
  } finally {
    ctx.mailer = original;
  }
}

async function main() {
  const config = loadConfig(process.env);
  const ctx = await createContext({ ...config, runJobs: false }, { log: pino({ level: 'warn' }) });
  try {
    const r = await seedDemo(ctx, createServices(ctx));
    if (!r.created) {
      process.stdout.write(`The demo tenant (${DEMO.name}) exists already; nothing was changed.\n`);
      return;
    }
    process.stdout.write(
      [
        '',
        `Demo tenant created: ${DEMO.name} (${DEMO.uscc})`,
        ...r.contracts.map((c) => `  ${c.number}  ${c.title}: ${c.status}`),
        '',
        'Sign in with any of (same password):',
        ...r.users.map((u) => `  ${u.email}  ${u.name}  ${u.roles.join(', ')}`),
        `  password: ${r.password}`,
        '',
      ].join('\n'),
    );
  } finally {
    await ctx.db.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main().catch((err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
