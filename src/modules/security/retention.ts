import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../platform/context.js';
import { PLATFORM_CHAIN, audit, type AuditRow } from '../../platform/audit.js';
import type { CheckpointStore } from './checkpoints.js';
import { loadPolicy } from './policy.js';

/**
 * Audit retention (docs/decisions.md): every event is kept at least the retention period — the largest
 * of 180 days (Cybersecurity Law art. 21), the platform's setting and the tenant's. Older events may be
 * pruned, but only as a whole segment that ends at a checkpointed seq:
 *   1. the segment (after the previous anchor, up to that seq) is written to
 *      `<data dir>/audit-archive/<chain>/<from>-<to>.jsonl` with its hashes (verifiable offline);
 *   2. a signed anchor (seq + hash of the segment's last row) goes to audit_anchors;
 *   3. app_audit_prune (owner-run, checks the anchor and the age by the database's clock) deletes it;
 *   4. the prune is itself an audit event of the chain.
 * The verifier then walks the chain from the newest anchor, after checking its signature.
 */
export async function applyRetention(ctx: AppContext, store: CheckpointStore): Promise<{ chains: Array<{ chain: string; pruned: number; upto: number; archive: string; retentionDays: number }> }> {
  const out: Array<{ chain: string; pruned: number; upto: number; archive: string; retentionDays: number }> = [];
  const { platformDays, chains } = await ctx.db.platform(async (tx) => ({
    platformDays: (await loadPolicy(tx, null)).auditRetentionDays,
    chains: [PLATFORM_CHAIN, ...(await tx.query<{ id: string }>(`SELECT id FROM tenants ORDER BY created_at`)).map((t) => t.id)],
  }));
  for (const chain of chains) {
    const r = await ctx.db.platform(async (tx) => {
      if (chain !== PLATFORM_CHAIN) await tx.actAsTenant(chain);
      const days = Math.max(180, platformDays, chain === PLATFORM_CHAIN ? 0 : (await loadPolicy(tx, chain)).auditRetentionDays);
      const cutoff = new Date(ctx.now().getTime() - days * 86_400_000);
      const mark = await tx.maybeOne<{ seq: number }>(`SELECT seq FROM audit_checkpoint_marks WHERE tenant_id = $1`, [chain]);
      if (!mark) return null;
      const prev = await tx.maybeOne<{ seq: number }>(`SELECT seq FROM audit_anchors WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`, [chain]);
      const from = Number(prev?.seq ?? 0);
      // The segment: whole rows older than the cutoff, up to the last checkpoint, after the previous anchor.
      const firstYoung = await tx.maybeOne<{ seq: number }>(`SELECT min(seq) AS seq FROM audit_events WHERE tenant_id = $1 AND seq > $2 AND occurred_at >= $3`, [chain, from, cutoff]);
      const head = await tx.one<{ seq: number }>(`SELECT coalesce(max(seq), 0) AS seq FROM audit_events WHERE tenant_id = $1`, [chain]);
      const upto = Math.min(firstYoung?.seq != null ? Number(firstYoung.seq) - 1 : Number(head.seq), Number(mark.seq));
      if (upto <= from) return null;
      const rows = await tx.query<AuditRow>(`SELECT * FROM audit_events WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`, [chain, from, upto]);
      if (!rows.length || Number(rows.at(-1)!.seq) !== upto) return null;
      const last = rows.at(-1)!;
      const dir = path.join(ctx.config.dataDir, 'audit-archive', chain);
      fs.mkdirSync(dir, { recursive: true });
      const archive = path.join(dir, `${String(from + 1).padStart(10, '0')}-${String(upto).padStart(10, '0')}.jsonl`);
      const lines = rows.map((x) => JSON.stringify({ ...x, seq: Number(x.seq), prev_hash: Buffer.from(x.prev_hash).toString('hex'), hash: Buffer.from(x.hash).toString('hex') }));
      const fd = fs.openSync(archive, 'w', 0o600);
      fs.writeSync(fd, lines.join('\n') + '\n');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      const anchor = store.sign(chain, upto, Buffer.from(last.hash), ctx.now());
      await tx.execute(
        `INSERT INTO audit_anchors (tenant_id, seq, hash, at, key_id, sig, archive, pruned_rows, retention_days) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
        [chain, upto, Buffer.from(last.hash), new Date(anchor.at), anchor.keyId, anchor.sig, path.relative(ctx.config.dataDir, archive), rows.length, days],
      );
      const pruned = Number((await tx.one<{ n: number }>(`SELECT app_audit_prune($1, $2, $3) AS n`, [chain, upto, platformDays])).n);
      await audit.record(tx, {
        tenantId: chain === PLATFORM_CHAIN ? null : chain,
        actor: { kind: 'system', label: 'audit-retention' },
        action: 'audit.retention.prune',
        objectType: 'audit_segment',
        objectId: `${from + 1}-${upto}`,
        details: { from: from + 1, upto, pruned, retentionDays: days, archive: path.relative(ctx.config.dataDir, archive), anchorHash: Buffer.from(last.hash).toString('hex') },
      });
      return { chain, pruned, upto, archive: path.relative(ctx.config.dataDir, archive), retentionDays: days };
    });
    if (r) out.push(r);
  }
  return { chains: out };
}

/** What a tenant sees of retention: the period in force, the oldest kept event, the last pruned segment. */
export async function retentionStatus(ctx: AppContext, tenantId: string) {
  const platformDays = await ctx.db.platform(async (tx) => (await loadPolicy(tx, null)).auditRetentionDays);
  return ctx.db.tenant(tenantId, async (tx) => {
    const days = Math.max(180, platformDays, (await loadPolicy(tx, tenantId)).auditRetentionDays);
    const oldest = await tx.maybeOne<{ occurred_at: Date | null; seq: number | null }>(`SELECT min(occurred_at) AS occurred_at, min(seq) AS seq FROM audit_events WHERE tenant_id = $1`, [tenantId]);
    const anchor = await tx.maybeOne<{ seq: number; at: Date; pruned_rows: number }>(`SELECT seq, at, pruned_rows FROM audit_anchors WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`, [tenantId]);
    return {
      retentionDays: days,
      oldestEvent: oldest?.occurred_at ?? null,
      lastPruned: anchor ? { upto: Number(anchor.seq), at: anchor.at, rows: Number(anchor.pruned_rows) } : null,
    };
  });
}
