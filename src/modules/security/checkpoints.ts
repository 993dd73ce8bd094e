import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { PLATFORM_CHAIN, audit } from '../../platform/audit.js';
import { parseSyslogUrl, sendSyslog, type SyslogTarget } from '../../platform/syslog.js';

/**
 * Signed checkpoints of the audit chains. The chain head (seq + hash) of every tenant and of the platform
 * is signed with an Ed25519 key kept in the data dir and appended to
 * `<data dir>/audit-checkpoints/<chain>.jsonl`. An attacker who can rewrite the database can recompute
 * a chain and its head, but not forge a checkpoint: a cut tail or a rewritten past shows up as a
 * mismatch with the last checkpoint. Keep copies of the checkpoint files off the database host: with
 * PACTUM_AUDIT_SYSLOG every checkpoint is also sent to a syslog collector (RFC 5424, UDP or TCP).
 * The database keeps the highest checkpointed seq of each chain (audit_checkpoint_marks), so that a
 * deleted or cut checkpoint file is reported too.
 */

export interface Checkpoint {
  chain: string;
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  sig: string;
}

export interface ChainReport {
  chain: string;
  ok: boolean;
  count: number;
  brokenAt?: number;
  reason?: string;
  checkpoint?: { seq: number; at: string } | null;
  /** The anchor the walk started from (older rows were archived and pruned by retention). */
  anchor?: { seq: number; at: string };
}

const KEY_FILE = 'audit-checkpoint-ed25519.pem';
const RETIRED_DIR = 'audit-checkpoint-keys';

function keyIdOf(pub: crypto.KeyObject): string {
  return crypto.createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function payload(c: Omit<Checkpoint, 'sig' | 'keyId'>): Buffer {
  return Buffer.from(`pactum-audit-checkpoint|v1|${c.chain}|${c.seq}|${c.hash}|${c.at}`);
}

export class CheckpointStore {
  readonly dir: string;
  private readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
  private readonly trusted = new Map<string, crypto.KeyObject>();

  readonly syslog: SyslogTarget | null;

  constructor(
    private readonly dataDir: string,
    syslogUrl?: string,
  ) {
    this.syslog = syslogUrl ? parseSyslogUrl(syslogUrl) : null;
    this.dir = path.join(dataDir, 'audit-checkpoints');
    const file = path.join(dataDir, KEY_FILE);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(dataDir, { recursive: true });
      const { privateKey } = crypto.generateKeyPairSync('ed25519');
      try {
        fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    this.privateKey = crypto.createPrivateKey(fs.readFileSync(file));
    this.publicKey = crypto.createPublicKey(this.privateKey);
    this.trusted.set(keyIdOf(this.publicKey), this.publicKey);
    // Public keys of rotated-out checkpoint keys keep older checkpoints verifiable.
    const retired = path.join(dataDir, RETIRED_DIR);
    if (fs.existsSync(retired)) {
      for (const f of fs.readdirSync(retired).filter((n) => n.endsWith('.pem'))) {
        const k = crypto.createPublicKey(fs.readFileSync(path.join(retired, f)));
        this.trusted.set(keyIdOf(k), k);
      }
    }
  }

  private file(chain: string): string {
    return path.join(this.dir, `${chain}.jsonl`);
  }

  /** A signed checkpoint (not written anywhere): also the anchor of a segment pruned by retention. */
  sign(chain: string, seq: number, hash: Buffer, at: Date): Checkpoint {
    const body = { chain, seq, hash: hash.toString('hex'), at: at.toISOString() };
    return { ...body, keyId: keyIdOf(this.publicKey), sig: crypto.sign(null, payload(body), this.privateKey).toString('base64') };
  }

  /** Whether a checkpoint (or anchor) was signed by a trusted (current or retired) key. */
  verifySignature(cp: Checkpoint): boolean {
    const key = this.trusted.get(cp.keyId);
    return !!key && crypto.verify(null, payload(cp), key, Buffer.from(cp.sig, 'base64'));
  }

  append(chain: string, seq: number, hash: Buffer, at: Date): Checkpoint {
    const cp = this.sign(chain, seq, hash, at);
    fs.mkdirSync(this.dir, { recursive: true });
    fs.appendFileSync(this.file(chain), JSON.stringify(cp) + '\n', { mode: 0o600 });
    return cp;
  }

  /** Sends checkpoints to the syslog sink (when configured): one RFC 5424 message each, facility log audit. */
  async ship(cps: Checkpoint[]): Promise<void> {
    if (!this.syslog || !cps.length) return;
    await sendSyslog(
      this.syslog,
      cps.map((cp) => ({
        facility: 13,
        severity: 6,
        timestamp: new Date(cp.at),
        appName: 'pactum',
        msgId: 'audit-checkpoint',
        structured: { id: 'pactum@32473', params: { chain: cp.chain, seq: cp.seq, hash: cp.hash, keyId: cp.keyId } },
        msg: JSON.stringify(cp),
      })),
    );
  }

  /** The last checkpoint of a chain whose signature verifies, or 'invalid' when the last line is forged. */
  last(chain: string): Checkpoint | null | 'invalid' {
    const f = this.file(chain);
    if (!fs.existsSync(f)) return null;
    const lines = fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
    const line = lines.at(-1);
    if (!line) return null;
    let cp: Checkpoint;
    try {
      cp = JSON.parse(line) as Checkpoint;
    } catch {
      return 'invalid';
    }
    const key = this.trusted.get(cp.keyId);
    if (!key || cp.chain !== chain) return 'invalid';
    const ok = crypto.verify(null, payload(cp), key, Buffer.from(cp.sig, 'base64'));
    return ok ? cp : 'invalid';
  }
}

async function chainIds(ctx: AppContext): Promise<string[]> {
  const tenants = await ctx.db.platform((tx) => tx.query<{ id: string }>(`SELECT id FROM tenants ORDER BY created_at`));
  return [PLATFORM_CHAIN, ...tenants.map((t) => t.id)];
}

function inChain<T>(ctx: AppContext, chain: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return chain === PLATFORM_CHAIN ? ctx.db.platform(fn) : ctx.db.tenant(chain, fn);
}

/**
 * Signs the current head of every chain that moved since its last checkpoint: appended to the file, sent
 * to syslog when configured, and its seq remembered in the database (audit_checkpoint_marks).
 */
export async function writeCheckpoints(ctx: AppContext, store: CheckpointStore): Promise<{ written: number; syslog?: 'sent' | 'failed' }> {
  const written: Checkpoint[] = [];
  for (const chain of await chainIds(ctx)) {
    const head = await inChain(ctx, chain, (tx) => tx.maybeOne<{ seq: number; hash: Buffer }>(`SELECT seq, hash FROM audit_chain_heads WHERE tenant_id = $1`, [chain]));
    if (!head) continue;
    const last = store.last(chain);
    if (last && last !== 'invalid' && last.seq === Number(head.seq)) continue;
    const cp = store.append(chain, Number(head.seq), Buffer.from(head.hash), ctx.now());
    await ctx.db.platform((tx) =>
      tx.execute(
        `INSERT INTO audit_checkpoint_marks (tenant_id, seq, at) VALUES ($1,$2,$3) ON CONFLICT (tenant_id) DO UPDATE SET seq = GREATEST(audit_checkpoint_marks.seq, EXCLUDED.seq), at = EXCLUDED.at`,
        [chain, cp.seq, new Date(cp.at)],
      ),
    );
    written.push(cp);
  }
  if (!store.syslog) return { written: written.length };
  try {
    await store.ship(written);
    return { written: written.length, syslog: 'sent' };
  } catch (err) {
    ctx.log.warn({ err }, 'audit checkpoint: syslog sink failed (the file sink has the checkpoints)');
    return { written: written.length, syslog: 'failed' };
  }
}

/** Walks one chain (hashes, sequence, head) and compares it with its last signed checkpoint. */
export async function verifyChain(ctx: AppContext, store: CheckpointStore, chain: string): Promise<ChainReport> {
  return inChain(ctx, chain, async (tx) => {
    // A segment pruned by retention ends at a signed anchor; the walk continues from it.
    const anchor = await tx.maybeOne<{ seq: number; hash: Buffer; at: Date; key_id: string; sig: string }>(
      `SELECT seq, hash, at, key_id, sig FROM audit_anchors WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`,
      [chain],
    );
    if (anchor) {
      const signed = { chain, seq: Number(anchor.seq), hash: Buffer.from(anchor.hash).toString('hex'), at: anchor.at.toISOString(), keyId: anchor.key_id, sig: anchor.sig };
      if (!store.verifySignature(signed)) return { chain, ok: false, count: 0, brokenAt: Number(anchor.seq), reason: 'anchor_signature_invalid', checkpoint: null };
    }
    const r = await audit.verify(tx, chain === PLATFORM_CHAIN ? null : chain, anchor ? { seq: Number(anchor.seq), hash: Buffer.from(anchor.hash) } : undefined);
    const cp = store.last(chain);
    const base: ChainReport = { chain, ok: r.ok, count: r.count, brokenAt: r.brokenAt, reason: r.reason, checkpoint: cp && cp !== 'invalid' ? { seq: cp.seq, at: cp.at } : null, ...(anchor ? { anchor: { seq: Number(anchor.seq), at: anchor.at.toISOString() } } : {}) };
    if (!r.ok) return base;
    if (cp === 'invalid') return { ...base, ok: false, reason: 'checkpoint_signature_invalid', brokenAt: undefined };
    // The database remembers how far checkpoints went: a deleted or cut checkpoint file is reported.
    const mark = await tx.maybeOne<{ seq: number }>(`SELECT seq FROM audit_checkpoint_marks WHERE tenant_id = $1`, [chain]);
    if (mark && (!cp || cp.seq < Number(mark.seq))) return { ...base, ok: false, brokenAt: undefined, reason: 'checkpoint_missing' };
    if (!cp) return base;
    if (r.lastSeq < cp.seq) return { ...base, ok: false, brokenAt: r.lastSeq + 1, reason: 'truncated_tail' };
    const row = await tx.maybeOne<{ hash: Buffer }>(`SELECT hash FROM audit_events WHERE tenant_id = $1 AND seq = $2`, [chain, cp.seq]);
    if (!row || Buffer.from(row.hash).toString('hex') !== cp.hash) return { ...base, ok: false, brokenAt: cp.seq, reason: 'checkpoint_mismatch' };
    return base;
  });
}

export async function verifyAll(ctx: AppContext, store: CheckpointStore): Promise<ChainReport[]> {
  const out: ChainReport[] = [];
  for (const chain of await chainIds(ctx)) out.push(await verifyChain(ctx, store, chain));
  return out;
}

/** The text `npm run audit:verify` prints: one line per chain, then a summary. */
export async function auditVerifyReport(ctx: AppContext, store: CheckpointStore): Promise<{ lines: string[]; broken: number }> {
  const reports = await verifyAll(ctx, store);
  const lines: string[] = [];
  let broken = 0;
  for (const r of reports) {
    const name = r.chain === PLATFORM_CHAIN ? `platform (${r.chain})` : `tenant ${r.chain}`;
    const cp = r.checkpoint ? `, checkpoint seq ${r.checkpoint.seq} at ${r.checkpoint.at}` : ', no checkpoint yet';
    if (r.ok) lines.push(`OK      ${name}: ${r.count} events${cp}`);
    else {
      broken++;
      lines.push(`BROKEN  ${name}: first broken seq ${r.brokenAt ?? '-'} (${r.reason})${cp}`);
    }
  }
  lines.push(`${reports.length} chains, ${broken} broken`);
  return { lines, broken };
}
