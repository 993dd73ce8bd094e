import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { hashPassword } from '../src/platform/passwords.js';
import type { Tx } from '../src/platform/db/index.js';
import { Client, FIXTURES, lastMailTo, multipart, type TestEnv } from './helpers.js';

export const CONTRACT_FIXTURES = path.join(FIXTURES, 'contracts');

export interface FixtureIndex {
  contracts: Array<{
    key: string;
    title: string;
    type: string;
    amountFen: number;
    signingDate: string;
    startDate: string;
    endDate: string;
    partyA: { name: string; uscc: string; contact: string; phone: string; email: string };
    partyB: { name: string; uscc: string; contact: string; phone: string; email: string };
    files: { text: string; docx: string; pdf: string };
  }>;
  template: { name: string; type: string; variables: Array<{ name: string; type: string; label?: string }>; body: string };
}

export const fixtures = JSON.parse(fs.readFileSync(path.join(CONTRACT_FIXTURES, 'contracts.json'), 'utf8')) as FixtureIndex;
export const fixtureFile = (name: string) => fs.readFileSync(path.join(CONTRACT_FIXTURES, name));
export const PASSWORD = 'Correct-Horse-Battery-9';

export type UserClient = Client & { id: string; email: string };

export interface TestTenant {
  id: string;
  /** A signed-in user holding these built-in roles (user_roles); by default clearance = tenant tier, scope tenant. */
  user: (roles: string[], name?: string, data?: { clearance?: string; scope?: string; departmentId?: string | null }) => Promise<UserClient>;
}

let seq = 0;

/** Provisions a tenant the way approval does, and creates signed-in users with the given roles. */
export async function makeTenant(env: TestEnv, name: string, uscc: string, opts: { modules?: string[]; tier?: string; seatLimit?: number } = {}): Promise<TestTenant> {
  const tag = crypto.randomBytes(3).toString('hex');
  // As provisioning does (tenant, data key), without the registration it would come from.
  const tenantId = crypto.randomUUID();
  await env.ctx.db.platform(async (tx) => {
    await tx.execute(`INSERT INTO tenants (id, name, uscc, status, plan) VALUES ($1, $2, $3, 'active', 'trial')`, [tenantId, name, `${uscc}`]);
    await tx.actAsTenant(tenantId);
    await env.ctx.keys.createTenantKey(tx, tenantId);
    if (opts.modules) {
      // Entitlements before the built-in roles are seeded: the roles then hold every grant of these modules.
      await tx.execute(`INSERT INTO tenant_entitlements (tenant_id, modules, seat_limit, tier) VALUES ($1, $2, $3, $4)`, [tenantId, opts.modules, opts.seatLimit ?? 50, opts.tier ?? 'confidential']);
    }
    await env.services.access.seedTenant(tx, tenantId);
  });
  return {
    id: tenantId,
    async user(roles, uname, data = {}) {
      const id = crypto.randomUUID();
      const email = `u${++seq}-${tag}@t.example.com`;
      const hash = await hashPassword(PASSWORD);
      await env.ctx.db.platform(async (tx) => {
        await tx.actAsTenant(tenantId);
        await tx.execute(
          `INSERT INTO users (tenant_id, id, email, name, password_hash, roles, status, must_change_password, clearance, scope, department_id)
           VALUES ($1,$2,$3,$4,$5,$6,'active',false,$7,$8,$9)`,
          [tenantId, id, email, uname ?? `${roles.join('+')}-${seq}`, hash, [...roles].sort(), data.clearance ?? 'confidential', data.scope ?? 'tenant', data.departmentId ?? null],
        );
        await tx.execute(
          `INSERT INTO user_roles (tenant_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE tenant_id = $1 AND key = ANY($3::text[])`,
          [tenantId, id, roles],
        );
        await tx.execute(`INSERT INTO login_identities (email_key, kind, tenant_id, user_id) VALUES ($1, 'tenant', $2, $3)`, [email, tenantId, id]);
      });
      const c = new Client(env.app) as UserClient;
      await c.login(email, PASSWORD);
      c.id = id;
      c.email = email;
      return c;
    },
  };
}

export function contractInput(i: number, extra: Record<string, unknown> = {}) {
  const f = fixtures.contracts[i]!;
  return {
    title: f.title,
    type: f.type,
    counterparties: [{ name: f.partyB.name, uscc: f.partyB.uscc, role: '乙方', contact: { name: f.partyB.contact, phone: f.partyB.phone, email: f.partyB.email } }],
    amountFen: f.amountFen,
    startDate: f.startDate,
    endDate: f.endDate,
    tags: [f.type],
    body: fixtureFile(f.files.text).toString('utf8'),
    ...extra,
  };
}

export async function upload(c: Client, method: 'POST' | 'PUT', url: string, filename: string, content: Buffer) {
  const m = multipart('file', filename, content);
  return c.request(method, url, m.payload, m.headers);
}

export async function codeFromMail(env: TestEnv, to: string): Promise<string> {
  const m = await lastMailTo(env.dataDir, to, /签署验证码/);
  const code = /(\d{6})/.exec(m.subject ?? '')?.[1];
  if (!code) throw new Error('no code in mail');
  return code;
}

export async function linkFromMail(env: TestEnv, to: string): Promise<string> {
  const m = await lastMailTo(env.dataDir, to, /请签署合同/);
  const token = /\/sign\/([^\s"<]+)/.exec(m.text ?? '')?.[1];
  if (!token) throw new Error('no link in mail');
  return decodeURIComponent(token);
}

export function ok<T = Record<string, unknown>>(res: { statusCode: number; body: string; json: () => unknown }, status = 200): T {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  expect(res.statusCode).toBe(status);
  return res.json() as T;
}

export function inDays(n: number): string {
  const d = new Date(Date.now() + n * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** Drafts, approves and signs (one internal signer) a contract: the quickest way to a signed one. */
export async function signedContract(env: TestEnv, drafter: UserClient, approver: UserClient, signer: UserClient, input: Record<string, unknown>, whileDraft?: (id: string) => Promise<unknown>) {
  const c = ok<{ id: string }>(await drafter.post('/api/v1/contracts', input), 201);
  if (whileDraft) await whileDraft(c.id);
  ok(await drafter.post(`/api/v1/contracts/${c.id}/submit`));
  ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
  ok(await drafter.request('PUT', `/api/v1/contracts/${c.id}/signers`, { signers: [{ kind: 'internal', step: 1, userId: signer.id }] }));
  ok(await drafter.post(`/api/v1/contracts/${c.id}/signing`, { deadline: inDays(7) }));
  ok(await signer.post(`/api/v1/contracts/${c.id}/sign/code`), 202);
  ok(await signer.post(`/api/v1/contracts/${c.id}/sign`, { code: await codeFromMail(env, signer.email) }));
  return c.id;
}

/** Reads classified contract tables as a trusted internal flow would (explicit, audited system scope). */
export function asSystem<T>(env: TestEnv, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return env.ctx.db.tenant(tenantId, async (tx) => {
    await env.services.access.applySystemScope(tx, tenantId, 'test');
    return fn(tx);
  });
}
