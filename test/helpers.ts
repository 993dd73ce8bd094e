import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pino from 'pino';
import { simpleParser, type ParsedMail } from 'mailparser';
import pg from 'pg';
import { loadConfig, type Config } from '../src/platform/config.js';
import { createContext, type AppContext } from '../src/platform/context.js';
import { buildApp, type Services } from '../src/app.js';
import type { App } from '../src/platform/http/app.js';

export const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');

/**
 * A fresh database for one test file: an in-memory PGlite, or — when DATABASE_URL is set (CI's second
 * run) — a new database created on that PostgreSQL server and dropped afterwards.
 */
export async function freshDatabaseUrl(): Promise<{ url: string | undefined; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { url: undefined, drop: async () => undefined };
  const name = `pactum_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestEnv {
  app: App;
  ctx: AppContext;
  services: Services;
  config: Config;
  dataDir: string;
  close: () => Promise<void>;
}

export async function createTestEnv(overrides: Partial<Config> = {}, opts: { poolMax?: number; appLogin?: string } = {}): Promise<TestEnv> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactum-test-'));
  const db = await freshDatabaseUrl();
  const config = loadConfig(
    { PACTUM_DATA_DIR: dataDir, PACTUM_JOBS: 'off', LOG_LEVEL: 'silent' },
    {
      databaseUrl: db.url,
      // The request pool may log in as its own (non-owner) role on a server.
      databaseAppUrl: db.url && opts.appLogin ? Object.assign(new URL(db.url), { username: opts.appLogin }).toString() : undefined,
      publicUrl: 'http://pactum.test',
      rateLimitScale: 1000,
      // A server database in tests: one process, a generated key file is fine (production sets PACTUM_MASTER_KEY).
      allowGeneratedMasterKey: true,
      ...overrides,
    },
  );
  const ctx = await createContext(config, { log: pino({ level: 'silent' }), memoryDb: !db.url, poolMax: opts.poolMax });
  const { app, services } = await buildApp(ctx);
  return {
    app,
    ctx,
    services,
    config,
    dataDir,
    close: async () => {
      await app.close();
      await ctx.db.close();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Messages in the outbox, oldest first, parsed. */
export async function outbox(dataDir: string): Promise<Array<ParsedMail & { file: string }>> {
  const dir = path.join(dataDir, 'outbox');
  if (!fs.existsSync(dir)) return [];
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(files.map(async (f) => Object.assign(await simpleParser(fs.readFileSync(path.join(dir, f))), { file: f })));
}

export async function lastMailTo(dataDir: string, to: string, subjectMatch?: RegExp): Promise<ParsedMail> {
  const all = (await outbox(dataDir)).filter((m) => {
    const addrs = (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address?.toLowerCase()));
    return addrs.includes(to.toLowerCase()) && (!subjectMatch || subjectMatch.test(m.subject ?? ''));
  });
  const m = all.at(-1);
  if (!m) throw new Error(`no mail to ${to}${subjectMatch ? ` matching ${subjectMatch}` : ''}`);
  return m;
}

/** A cookie-carrying client for app.inject that sends the CSRF header on writes. */
export class Client {
  cookies: Record<string, string> = {};
  constructor(
    private app: App,
    private lang = 'zh-CN',
  ) {}

  async request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { 'accept-language': this.lang, ...headers };
    const cookie = Object.entries(this.cookies).map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie) h.cookie = cookie;
    if (method !== 'GET' && this.cookies.csrf_token) h['x-csrf-token'] = this.cookies.csrf_token;
    const res = await this.app.inject({ method: method as 'GET', url, payload: body as object | undefined, headers: h });
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) delete this.cookies[c.name];
      else this.cookies[c.name] = c.value;
    }
    return res;
  }
  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, undefined, headers);
  }
  post(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', url, body ?? {}, headers);
  }
  patch(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', url, body, headers);
  }
  async login(email: string, password: string) {
    const res = await this.post('/api/v1/auth/login', { email, password });
    if (res.statusCode !== 200) throw new Error(`login failed ${res.statusCode} ${res.body}`);
    return res.json() as { user: { mustChangePassword: boolean; kind: string }; tenant: { id: string; name: string } | null };
  }
}

/** Builds a multipart/form-data body with one file field. */
export function multipart(field: string, filename: string, content: Buffer, contentType = 'application/octet-stream') {
  const boundary = `----pactum${crypto.randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, content, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Signs in as the bootstrapped super admin (with a known password) and returns the client. */
export async function adminClient(env: TestEnv): Promise<Client> {
  const c = new Client(env.app);
  await c.login(env.config.adminEmail!, env.config.adminPassword!);
  return c;
}

export const ADMIN = { adminEmail: 'root@pactum.test', adminPassword: 'Correct-Horse-Battery-9' };
