import type { Tx } from '../../platform/db/index.js';

export interface SessionRow {
  id: string;
  csrf_token: string;
  kind: 'platform' | 'tenant';
  tenant_id: string | null;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  roles: string[];
  status: string;
  must_change_password: boolean;
  last_login_at: Date | null;
}

export interface TenantRow {
  id: string;
  name: string;
  uscc: string;
  status: string;
  plan: string;
  time_zone: string;
}

export const securityRepo = {
  findIdentity(tx: Tx, emailKey: string) {
    return tx.maybeOne<{ kind: 'platform' | 'tenant'; tenant_id: string | null; user_id: string }>(
      `SELECT kind, tenant_id, user_id FROM login_identities WHERE email_key = $1`,
      [emailKey],
    );
  },
  platformUser(tx: Tx, id: string) {
    return tx.maybeOne<UserRow>(`SELECT * FROM platform_users WHERE id = $1`, [id]);
  },
  tenantUser(tx: Tx, tenantId: string, id: string) {
    return tx.maybeOne<UserRow>(`SELECT * FROM users WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  },
  tenant(tx: Tx, id: string) {
    return tx.maybeOne<TenantRow>(`SELECT id, name, uscc, status, plan, time_zone FROM tenants WHERE id = $1`, [id]);
  },
  insertSession(
    tx: Tx,
    s: { id: string; tokenHash: Buffer; csrf: string; kind: string; tenantId: string | null; userId: string; ip: string | null; ua: string | null; expiresAt: Date },
  ) {
    return tx.execute(
      `INSERT INTO sessions (id, token_hash, csrf_token, kind, tenant_id, user_id, ip, user_agent, expires_at)
       VALUES ($1,$2,$3,$4,coalesce($5::uuid, '00000000-0000-0000-0000-000000000000'),$6,$7,$8,$9)`,
      // A platform operator's session belongs to the nil tenant (migrations/0290), like the platform audit chain.
      [s.id, s.tokenHash, s.csrf, s.kind, s.tenantId, s.userId, s.ip, s.ua, s.expiresAt],
    );
  },
  sessionByHash(tx: Tx, hash: Buffer) {
    return tx.maybeOne<SessionRow>(
      `SELECT id, csrf_token, kind, nullif(tenant_id, '00000000-0000-0000-0000-000000000000') AS tenant_id, user_id, created_at, last_seen_at, expires_at, revoked_at FROM sessions WHERE token_hash = $1`,
      [hash],
    );
  },
  touchSession(tx: Tx, id: string, at: Date) {
    return tx.execute(`UPDATE sessions SET last_seen_at = $2 WHERE id = $1`, [id, at]);
  },
  revokeSession(tx: Tx, id: string, reason: string) {
    return tx.execute(`UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL`, [id, reason]);
  },
  revokeOtherSessions(tx: Tx, userId: string, keepId: string | null, reason: string) {
    return tx.execute(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2`,
      [userId, keepId, reason],
    );
  },
  /** Ends every session of a tenant's users (incident containment). */
  revokeTenantSessions(tx: Tx, tenantId: string, reason: string) {
    return tx.execute(`UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE tenant_id = $1 AND revoked_at IS NULL`, [tenantId, reason]);
  },
  /** Ends every session of one tenant user. */
  revokeTenantUserSessions(tx: Tx, tenantId: string, userId: string, reason: string) {
    return tx.execute(`UPDATE sessions SET revoked_at = now(), revoked_reason = $3 WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL`, [tenantId, userId, reason]);
  },
  setPlatformPassword(tx: Tx, id: string, hash: string) {
    return tx.execute(`UPDATE platform_users SET password_hash = $2, must_change_password = false, updated_at = now() WHERE id = $1`, [id, hash]);
  },
  setTenantPassword(tx: Tx, tenantId: string, id: string, hash: string) {
    return tx.execute(
      `UPDATE users SET password_hash = $3, must_change_password = false, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, hash],
    );
  },
  markPlatformLogin(tx: Tx, id: string) {
    return tx.execute(`UPDATE platform_users SET last_login_at = now() WHERE id = $1`, [id]);
  },
  markTenantLogin(tx: Tx, tenantId: string, id: string) {
    return tx.execute(`UPDATE users SET last_login_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  },
  countPlatformUsers(tx: Tx) {
    return tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM platform_users`);
  },
  insertPlatformUser(tx: Tx, u: { id: string; email: string; name: string; hash: string; roles: string[]; mustChange: boolean }) {
    return tx.execute(
      `INSERT INTO platform_users (id, email, name, password_hash, roles, must_change_password) VALUES ($1,$2,$3,$4,$5,$6)`,
      [u.id, u.email, u.name, u.hash, u.roles, u.mustChange],
    );
  },
  insertIdentity(tx: Tx, emailKey: string, kind: 'platform' | 'tenant', tenantId: string | null, userId: string) {
    return tx.execute(`INSERT INTO login_identities (email_key, kind, tenant_id, user_id) VALUES ($1,$2,$3,$4)`, [
      emailKey,
      kind,
      tenantId,
      userId,
    ]);
  },
  listPlatformUsers(tx: Tx) {
    return tx.query<UserRow & { created_at: Date }>(`SELECT * FROM platform_users ORDER BY created_at`);
  },
};
