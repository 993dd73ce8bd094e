import crypto from 'node:crypto';
import type { Database, Tx } from './db/index.js';
import { BLIND_INDEX_PURPOSE, blindIndexWith, masterKeyIdOf, unwrapKey, wrapKey, type KeyService } from './crypto.js';
import { audit } from './audit.js';
import { emailKey } from './validation.js';
import { gramTokens, grams } from '../modules/contracts/text.js';

/**
 * Key rotation (npm run keys:rotate; docs/security.md "Key rotation"). Run with the service stopped:
 *  - master key: every wrapped key (tenant data keys, platform keys, the blind-index root) is unwrapped
 *    with the old master key and wrapped with the new one, in one transaction. Nothing else changes:
 *    values, files and blind indexes stay valid.
 *  - blind-index root: a new random root replaces the old one, and everything derived from it is
 *    recomputed in the same transaction (registration e-mail indexes, contract body grams) or, where the
 *    original value is not kept (recovery codes, pending e-mail and SMS codes), dropped: the owners are
 *    counted so that the operator can tell them to generate new recovery codes.
 */

const ROTATION_ACTOR = { kind: 'system' as const, label: 'keys:rotate' };

async function tenantIds(tx: Tx): Promise<string[]> {
  return (await tx.query<{ id: string }>(`SELECT id FROM tenants ORDER BY created_at`)).map((r) => r.id);
}

/** Re-wraps every data key under a new master key. Returns how many keys were re-wrapped. */
export async function rotateMasterKey(db: Database, oldMaster: Buffer, newMaster: Buffer): Promise<{ platformKeys: number; tenantKeys: number; newMasterKeyId: string }> {
  const newId = masterKeyIdOf(newMaster);
  return db.platform(async (tx) => {
    let platformKeys = 0;
    let tenantKeys = 0;
    for (const k of await tx.query<{ id: string; purpose: string; wrapped_key: Buffer }>(`SELECT id, purpose, wrapped_key FROM platform_keys FOR UPDATE`)) {
      const owner = k.purpose === BLIND_INDEX_PURPOSE ? BLIND_INDEX_PURPOSE : 'platform';
      const plain = unwrapKey(oldMaster, k.wrapped_key, owner);
      await tx.execute(`UPDATE platform_keys SET wrapped_key = $2, master_key_id = $3 WHERE id = $1`, [k.id, wrapKey(newMaster, plain, owner), newId]);
      platformKeys++;
    }
    for (const tenantId of await tenantIds(tx)) {
      await tx.actAsTenant(tenantId);
      for (const k of await tx.query<{ id: string; wrapped_key: Buffer }>(`SELECT id, wrapped_key FROM tenant_keys WHERE tenant_id = $1 AND status <> 'destroyed' FOR UPDATE`, [tenantId])) {
        const plain = unwrapKey(oldMaster, k.wrapped_key, { tenantId });
        await tx.execute(`UPDATE tenant_keys SET wrapped_key = $3, master_key_id = $4 WHERE tenant_id = $1 AND id = $2`, [tenantId, k.id, wrapKey(newMaster, plain, { tenantId }), newId]);
        tenantKeys++;
      }
    }
    await audit.record(tx, { tenantId: null, actor: ROTATION_ACTOR, action: 'platform.keys.rotate_master', details: { platformKeys, tenantKeys, from: masterKeyIdOf(oldMaster), to: newId } });
    return { platformKeys, tenantKeys, newMasterKeyId: newId };
  });
}

export interface ReindexReport {
  blindIndexKeyId: string;
  registrations: number;
  contracts: number;
  recoveryCodeUsers: number;
  droppedCodes: number;
}

/**
 * Replaces the blind-index root with a new random key and recomputes every index derived from it.
 * `keys` must be the running KeyService (its data keys decrypt the values); it is switched to the new
 * root afterwards.
 */
export async function rotateBlindIndexKey(db: Database, keys: KeyService, master: Buffer): Promise<ReindexReport> {
  const root = crypto.randomBytes(32);
  const id = crypto.randomUUID();
  const report = await db.platform(async (tx): Promise<ReindexReport> => {
    await tx.execute(`UPDATE platform_keys SET status = 'retired' WHERE purpose = $1 AND status = 'active'`, [BLIND_INDEX_PURPOSE]);
    await tx.execute(`INSERT INTO platform_keys (id, purpose, wrapped_key, master_key_id) VALUES ($1, $2, $3, $4)`, [id, BLIND_INDEX_PURPOSE, wrapKey(master, root, BLIND_INDEX_PURPOSE), masterKeyIdOf(master)]);

    // Registrations: the contact e-mail's index, recomputed from the encrypted address.
    let registrations = 0;
    for (const r of await tx.query<{ id: string; contact_email_enc: string }>(`SELECT id, contact_email_enc FROM registrations WHERE contact_email_enc IS NOT NULL FOR UPDATE`)) {
      const email = await keys.decryptText(tx, 'platform', r.contact_email_enc);
      await tx.execute(`UPDATE registrations SET contact_email_bidx = $2 WHERE id = $1`, [r.id, blindIndexWith(root, 'email', 'platform', emailKey(email))]);
      registrations++;
    }
    // Pending e-mail codes are short-lived: the applicant asks for a new one.
    let droppedCodes = await tx.execute(`DELETE FROM registration_email_codes`);

    // Per tenant: contract body grams from the current version's (decrypted) body; recovery codes and
    // pending SMS codes cannot be recomputed (only their HMAC is kept) and are dropped.
    let contracts = 0;
    let recoveryCodeUsers = 0;
    const owners: Array<string | null> = [null, ...(await tenantIds(tx))];
    for (const tenantId of owners) {
      if (tenantId) {
        await tx.actAsTenant(tenantId);
        // Every contract, whatever its level (the tool acts for the tenant as a whole).
        await tx.query(`SELECT set_config('app.user_id', '', true), set_config('app.clearance', 'restricted', true), set_config('app.scope', 'tenant', true), set_config('app.department_ids', '', true)`);
        for (const c of await tx.query<{ id: string; body_enc: string }>(
          `SELECT c.id, v.body_enc FROM contracts c JOIN contract_versions v ON v.tenant_id = c.tenant_id AND v.contract_id = c.id AND v.version = c.current_version
            WHERE c.tenant_id = $1`,
          [tenantId],
        )) {
          const body = await keys.decryptText(tx, { tenantId }, c.body_enc);
          const tokens = [...new Set([...grams(body)].map((g) => blindIndexWith(root, 'contract-body-gram', { tenantId }, g).slice(0, 11)))].sort();
          await tx.execute(`UPDATE contracts SET body_grams = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, c.id, tokens]);
          contracts++;
        }
      }
      const chain = tenantId ?? '00000000-0000-0000-0000-000000000000';
      const users = await tx.one<{ n: number }>(`SELECT count(DISTINCT user_id)::int AS n FROM mfa_recovery_codes WHERE tenant_id = $1 AND used_at IS NULL`, [chain]);
      recoveryCodeUsers += users.n;
      await tx.execute(`DELETE FROM mfa_recovery_codes WHERE tenant_id = $1`, [chain]);
      droppedCodes += await tx.execute(`DELETE FROM auth_challenges WHERE tenant_id = $1 AND code_hash IS NOT NULL AND consumed_at IS NULL`, [chain]);
      if (tenantId) {
        await audit.record(tx, { tenantId, actor: ROTATION_ACTOR, action: 'tenant.keys.reindex', details: { blindIndexKeyId: id } });
      }
    }
    const out = { blindIndexKeyId: id, registrations, contracts, recoveryCodeUsers, droppedCodes };
    await audit.record(tx, { tenantId: null, actor: ROTATION_ACTOR, action: 'platform.keys.rotate_blind_index', details: { ...out } });
    return out;
  });
  await keys.loadBlindIndexKey(db);
  return report;
}

/** For tests and tools: the same tokens the contracts module computes, under the running root. */
export function contractGramTokens(keys: KeyService, tenantId: string, body: string): string[] {
  return gramTokens(keys, tenantId, grams(body));
}
