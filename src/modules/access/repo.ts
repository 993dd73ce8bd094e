import crypto from 'node:crypto';
import type { Tx } from '../../platform/db/index.js';
import type { Actor } from '../../platform/audit.js';

export interface RoleRow {
  id: string;
  key: string;
  name: string;
  permissions: string[];
  builtin: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface EntitlementsRow {
  modules: string[];
  seat_limit: number;
  tier: string;
  updated_at: Date;
}

export interface AccessUserRow {
  id: string;
  email: string;
  name: string;
  status: string;
  clearance: string;
  scope: string;
  department_id: string | null;
  last_login_at: Date | null;
  created_at: Date;
  role_ids: string[];
  role_keys: string[];
  role_names: string[];
}

export interface HistoryInput {
  tenantId: string;
  actor: Actor;
  kind: string;
  subjectType: string;
  subjectId?: string | null;
  subjectLabel?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  requestId?: string | null;
}

export const accessRepo = {
  entitlements(tx: Tx, tenantId: string) {
    return tx.maybeOne<EntitlementsRow>(`SELECT modules, seat_limit, tier, updated_at FROM tenant_entitlements WHERE tenant_id = $1`, [tenantId]);
  },
  upsertEntitlements(tx: Tx, tenantId: string, e: { modules: string[]; seatLimit: number; tier: string }) {
    return tx.execute(
      `INSERT INTO tenant_entitlements (tenant_id, modules, seat_limit, tier) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id) DO UPDATE SET modules = EXCLUDED.modules, seat_limit = EXCLUDED.seat_limit, tier = EXCLUDED.tier, updated_at = now()`,
      [tenantId, e.modules, e.seatLimit, e.tier],
    );
  },
  tenantStatus(tx: Tx, tenantId: string) {
    return tx.maybeOne<{ status: string; name: string }>(`SELECT status, name FROM tenants WHERE id = $1`, [tenantId]);
  },
  /** Everything a permission decision needs, in one round trip. */
  facts(tx: Tx, tenantId: string, userId: string) {
    return tx.maybeOne<{ status: string; modules: string[] | null; user_status: string | null; grants: string[] }>(
      `SELECT t.status, e.modules, u.status AS user_status,
              coalesce((SELECT array_agg(DISTINCT p) FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
                          CROSS JOIN LATERAL unnest(r.permissions) p
                         WHERE ur.tenant_id = t.id AND ur.user_id = u.id), '{}') AS grants
         FROM tenants t
         LEFT JOIN tenant_entitlements e ON e.tenant_id = t.id
         LEFT JOIN users u ON u.tenant_id = t.id AND u.id = $2
        WHERE t.id = $1`,
      [tenantId, userId],
    );
  },
  /** Training gates the user has not completed: one row per gated permission and missing course. */
  trainingGaps(tx: Tx, tenantId: string, userId: string) {
    return tx.query<{ permission: string; course_id: string; title: string }>(
      `SELECT g.permission, c.id AS course_id, c.title
         FROM training_gates g JOIN training_courses c ON c.tenant_id = g.tenant_id AND c.id = g.course_id
        WHERE g.tenant_id = $1
          AND NOT EXISTS (SELECT 1 FROM training_assignments a WHERE a.tenant_id = g.tenant_id AND a.course_id = g.course_id AND a.user_id = $2 AND a.completed_at IS NOT NULL)
        ORDER BY g.permission, c.created_at, c.id`,
      [tenantId, userId],
    );
  },
  roles(tx: Tx, tenantId: string) {
    return tx.query<RoleRow & { user_count: number }>(
      `SELECT r.id, r.key, r.name, r.permissions, r.builtin, r.created_at, r.updated_at,
              (SELECT count(*)::int FROM user_roles ur JOIN users u ON u.tenant_id = ur.tenant_id AND u.id = ur.user_id
                WHERE ur.tenant_id = r.tenant_id AND ur.role_id = r.id AND u.status = 'active') AS user_count
         FROM roles r WHERE r.tenant_id = $1 ORDER BY r.builtin DESC, r.created_at, r.name`,
      [tenantId],
    );
  },
  role(tx: Tx, tenantId: string, id: string) {
    return tx.maybeOne<RoleRow>(`SELECT id, key, name, permissions, builtin, created_at, updated_at FROM roles WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  },
  roleByKey(tx: Tx, tenantId: string, key: string) {
    return tx.maybeOne<RoleRow>(`SELECT id, key, name, permissions, builtin, created_at, updated_at FROM roles WHERE tenant_id = $1 AND key = $2`, [tenantId, key]);
  },
  roleByName(tx: Tx, tenantId: string, name: string) {
    return tx.maybeOne<{ id: string }>(`SELECT id FROM roles WHERE tenant_id = $1 AND name = $2`, [tenantId, name]);
  },
  insertRole(tx: Tx, tenantId: string, r: { id: string; key: string; name: string; permissions: string[]; builtin: boolean }) {
    return tx.execute(`INSERT INTO roles (tenant_id, id, key, name, permissions, builtin) VALUES ($1,$2,$3,$4,$5,$6)`, [
      tenantId, r.id, r.key, r.name, r.permissions, r.builtin,
    ]);
  },
  updateRole(tx: Tx, tenantId: string, id: string, name: string, permissions: string[]) {
    return tx.execute(`UPDATE roles SET name = $3, permissions = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id, name, permissions]);
  },
  setRolePermissions(tx: Tx, tenantId: string, id: string, permissions: string[]) {
    return tx.execute(`UPDATE roles SET permissions = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id, permissions]);
  },
  deleteRole(tx: Tx, tenantId: string, id: string) {
    return tx.execute(`DELETE FROM roles WHERE tenant_id = $1 AND id = $2 AND NOT builtin`, [tenantId, id]);
  },
  roleAssignments(tx: Tx, tenantId: string, roleId: string) {
    return tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM user_roles WHERE tenant_id = $1 AND role_id = $2`, [tenantId, roleId]);
  },
  users(tx: Tx, tenantId: string) {
    return tx.query<AccessUserRow>(
      `SELECT u.id, u.email, u.name, u.status, u.clearance, u.scope, u.department_id, u.last_login_at, u.created_at,
              coalesce(array_agg(r.id ORDER BY r.name) FILTER (WHERE r.id IS NOT NULL), '{}') AS role_ids,
              coalesce(array_agg(r.key ORDER BY r.name) FILTER (WHERE r.id IS NOT NULL), '{}') AS role_keys,
              coalesce(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.id IS NOT NULL), '{}') AS role_names
         FROM users u
         LEFT JOIN user_roles ur ON ur.tenant_id = u.tenant_id AND ur.user_id = u.id
         LEFT JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
        WHERE u.tenant_id = $1
        GROUP BY u.tenant_id, u.id ORDER BY u.created_at`,
      [tenantId],
    );
  },
  async user(tx: Tx, tenantId: string, id: string) {
    return (await accessRepo.users(tx, tenantId)).find((u) => u.id === id);
  },
  /** Replaces a user's roles and mirrors their keys into users.roles. */
  async setUserRoles(tx: Tx, tenantId: string, userId: string, roleIds: string[], by: string | null) {
    await tx.execute(`DELETE FROM user_roles WHERE tenant_id = $1 AND user_id = $2 AND NOT (role_id = ANY ($3::uuid[]))`, [tenantId, userId, roleIds]);
    for (const r of roleIds) {
      await tx.execute(
        `INSERT INTO user_roles (tenant_id, user_id, role_id, granted_by) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`,
        [tenantId, userId, r, by],
      );
    }
    await accessRepo.syncRoleMirror(tx, tenantId, userId);
  },
  syncRoleMirror(tx: Tx, tenantId: string, userId: string) {
    return tx.execute(
      `UPDATE users u SET roles = coalesce((SELECT array_agg(r.key ORDER BY r.key) FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
                                             WHERE ur.tenant_id = u.tenant_id AND ur.user_id = u.id), '{}'), updated_at = now()
        WHERE u.tenant_id = $1 AND u.id = $2`,
      [tenantId, userId],
    );
  },
  /** Active users holding tenant_admin, locked against concurrent demotion. */
  activeAdmins(tx: Tx, tenantId: string) {
    return tx.query<{ id: string }>(
      `SELECT u.id FROM users u JOIN user_roles ur ON ur.tenant_id = u.tenant_id AND ur.user_id = u.id
         JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id AND r.key = 'tenant_admin'
        WHERE u.tenant_id = $1 AND u.status = 'active' FOR UPDATE OF u`,
      [tenantId],
    );
  },
  lockTenant(tx: Tx, tenantId: string) {
    return tx.query(`SELECT pg_advisory_xact_lock(hashtext('access:' || $1::text))`, [tenantId]);
  },
  seatsUsed(tx: Tx, tenantId: string, now: Date) {
    return tx.one<{ users: number; invitations: number }>(
      `SELECT (SELECT count(*)::int FROM users WHERE tenant_id = $1 AND status <> 'disabled') AS users,
              (SELECT count(*)::int FROM invitations WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2) AS invitations`,
      [tenantId, now],
    );
  },
  revokeUserSessions(tx: Tx, tenantId: string, userId: string, reason: string) {
    return tx.execute(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $3 WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [tenantId, userId, reason],
    );
  },
  departments(tx: Tx, tenantId: string) {
    return tx.query<{ id: string; name: string; parent_id: string | null; head_user_id: string | null; user_count: number }>(
      `SELECT d.id, d.name, d.parent_id, d.head_user_id, (SELECT count(*)::int FROM users u WHERE u.tenant_id = d.tenant_id AND u.department_id = d.id) AS user_count
         FROM departments d WHERE d.tenant_id = $1 ORDER BY d.name`,
      [tenantId],
    );
  },
  /** The department and all below it. */
  departmentSubtree(tx: Tx, tenantId: string, id: string) {
    return tx.query<{ id: string }>(
      `WITH RECURSIVE t(id) AS (
         SELECT id FROM departments WHERE tenant_id = $1 AND id = $2
         UNION SELECT d.id FROM departments d JOIN t ON d.parent_id = t.id WHERE d.tenant_id = $1)
       SELECT id FROM t`,
      [tenantId, id],
    );
  },
  async recordHistory(tx: Tx, h: HistoryInput) {
    await tx.execute(
      `INSERT INTO permission_history (tenant_id, id, actor_kind, actor_id, actor_label, kind, subject_type, subject_id, subject_label, before, after, reason, request_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
      [
        h.tenantId, crypto.randomUUID(), h.actor.kind, h.actor.id ?? null, h.actor.label ?? null, h.kind, h.subjectType, h.subjectId ?? null,
        h.subjectLabel ?? null, h.before === undefined ? null : JSON.stringify(h.before), h.after === undefined ? null : JSON.stringify(h.after),
        h.reason ?? null, h.requestId ?? null,
      ],
    );
  },
  insertDenial(tx: Tx, tenantId: string, d: { userId: string | null; apiKeyId?: string | null; permission?: string | null; level?: string | null; reason: string; objectType?: string | null; objectId?: string | null; ip?: string | null }) {
    return tx.execute(
      `INSERT INTO denials (tenant_id, id, user_id, permission, level, reason, object_type, object_id, ip, api_key_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [tenantId, crypto.randomUUID(), d.userId, d.permission ?? null, d.level ?? null, d.reason, d.objectType ?? null, d.objectId ?? null, d.ip ?? null, d.apiKeyId ?? null],
    );
  },
};
