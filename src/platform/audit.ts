import crypto from 'node:crypto';
import type { Database, Tx } from './db/index.js';

export const PLATFORM_CHAIN = '00000000-0000-0000-0000-000000000000';
const GENESIS = Buffer.alloc(32);

export type ActorKind = 'platform_user' | 'tenant_user' | 'api_key' | 'applicant' | 'system' | 'anonymous';

export interface Actor {
  kind: ActorKind;
  id?: string | null;
  label?: string | null;
  /** A platform operator acting for a tenant user, or an API key's owner. */
  onBehalfOf?: string | null;
}

export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
}

export interface AuditInput {
  /** The tenant whose chain records the event; null = the platform chain. */
  tenantId: string | null;
  actor: Actor;
  action: string;
  objectType?: string | null;
  objectId?: string | null;
  outcome?: 'success' | 'failure' | 'denied';
  details?: Record<string, unknown>;
  meta?: RequestMeta;
}

/** JSON with sorted keys, so a hash does not depend on how jsonb orders them. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

export interface AuditRow {
  tenant_id: string;
  seq: number;
  id: string;
  occurred_at: Date;
  actor_kind: string;
  actor_id: string | null;
  actor_label: string | null;
  on_behalf_of: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  ip: string | null;
  user_agent: string | null;
  outcome: string;
  details: Record<string, unknown>;
  prev_hash: Buffer;
  hash: Buffer;
}

export function eventHash(prev: Buffer, r: Omit<AuditRow, 'prev_hash' | 'hash'>): Buffer {
  const body = canonicalJson([
    r.tenant_id,
    Number(r.seq),
    r.id,
    new Date(r.occurred_at).toISOString(),
    r.actor_kind,
    r.actor_id,
    r.actor_label,
    r.on_behalf_of,
    r.action,
    r.object_type,
    r.object_id,
    r.ip,
    r.user_agent,
    r.outcome,
    r.details ?? {},
  ]);
  return crypto.createHash('sha256').update(prev).update(body).digest();
}

/**
 * The audit log: append-only (the app role cannot UPDATE or DELETE it) and hash-chained per tenant.
 * Writing locks the chain head of that tenant, so events of one tenant are strictly ordered.
 */
export const audit = {
  async record(tx: Tx, e: AuditInput): Promise<void> {
    const chain = e.tenantId ?? PLATFORM_CHAIN;
    await tx.execute(
      `INSERT INTO audit_chain_heads (tenant_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING`,
      [chain, GENESIS],
    );
    const head = await tx.one<{ seq: number; hash: Buffer }>(
      `SELECT seq, hash FROM audit_chain_heads WHERE tenant_id = $1 FOR UPDATE`,
      [chain],
    );
    const row = {
      tenant_id: chain,
      seq: Number(head.seq) + 1,
      id: crypto.randomUUID(),
      occurred_at: new Date(),
      actor_kind: e.actor.kind,
      actor_id: e.actor.id ?? null,
      actor_label: e.actor.label ?? null,
      on_behalf_of: e.actor.onBehalfOf ?? null,
      action: e.action,
      object_type: e.objectType ?? null,
      object_id: e.objectId ?? null,
      ip: e.meta?.ip ?? null,
      user_agent: e.meta?.userAgent ? e.meta.userAgent.slice(0, 512) : null,
      outcome: e.outcome ?? 'success',
      details: JSON.parse(JSON.stringify(e.details ?? {})) as Record<string, unknown>,
    };
    const hash = eventHash(Buffer.from(head.hash), row);
    await tx.execute(
      `INSERT INTO audit_events (tenant_id, seq, id, occurred_at, actor_kind, actor_id, actor_label, on_behalf_of, action,
         object_type, object_id, ip, user_agent, outcome, details, prev_hash, hash)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
      [
        row.tenant_id, row.seq, row.id, row.occurred_at, row.actor_kind, row.actor_id, row.actor_label, row.on_behalf_of,
        row.action, row.object_type, row.object_id, row.ip, row.user_agent, row.outcome, JSON.stringify(row.details),
        head.hash, hash,
      ],
    );
    await tx.execute(`UPDATE audit_chain_heads SET seq = $2, hash = $3 WHERE tenant_id = $1`, [chain, row.seq, hash]);
  },

  /** Records an event in its own transaction (for denials and failures whose transaction rolled back). */
  async recordAlone(db: Database, e: AuditInput): Promise<void> {
    if (e.tenantId) await db.tenant(e.tenantId, (tx) => audit.record(tx, e));
    else await db.platform((tx) => audit.record(tx, e));
  },

  /**
   * Walks a chain and reports the first broken link, if any. `from` = a verified anchor (seq and hash of
   * the last row of a segment pruned by retention): the walk starts after it instead of at the genesis.
   */
  async verify(tx: Tx, tenantId: string | null, from?: { seq: number; hash: Buffer }): Promise<{ ok: boolean; count: number; lastSeq: number; brokenAt?: number; reason?: string }> {
    const chain = tenantId ?? PLATFORM_CHAIN;
    const base = from?.seq ?? 0;
    const rows = await tx.query<AuditRow>(`SELECT * FROM audit_events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq`, [chain, base]);
    let prev: Buffer = from?.hash ?? GENESIS;
    let expectSeq = base + 1;
    const lastSeq = base + rows.length;
    for (const r of rows) {
      if (Number(r.seq) !== expectSeq) return { ok: false, count: rows.length, lastSeq, brokenAt: expectSeq, reason: 'missing_event' };
      if (!Buffer.from(r.prev_hash).equals(prev)) return { ok: false, count: rows.length, lastSeq, brokenAt: expectSeq, reason: 'prev_hash_mismatch' };
      const h = eventHash(prev, r);
      if (!h.equals(Buffer.from(r.hash))) return { ok: false, count: rows.length, lastSeq, brokenAt: expectSeq, reason: 'hash_mismatch' };
      prev = h;
      expectSeq++;
    }
    const head = await tx.maybeOne<{ seq: number; hash: Buffer }>(`SELECT seq, hash FROM audit_chain_heads WHERE tenant_id = $1`, [chain]);
    if (head && (Number(head.seq) !== lastSeq || !Buffer.from(head.hash).equals(prev))) {
      return { ok: false, count: rows.length, lastSeq, brokenAt: lastSeq + 1, reason: 'truncated_tail' };
    }
    return { ok: true, count: rows.length, lastSeq };
  },
};
