import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { AppError } from '../../platform/http/errors.js';
import type { AccessService } from '../access/service.js';

export interface TenantView {
  id: string;
  name: string;
  uscc: string;
  status: string;
  plan: string;
  timeZone: string;
  createdAt: Date;
}

const view = (r: Record<string, unknown>): TenantView => ({
  id: r.id as string,
  name: r.name as string,
  uscc: r.uscc as string,
  status: r.status as string,
  plan: r.plan as string,
  timeZone: r.time_zone as string,
  createdAt: r.created_at as Date,
});

export function tenantsService(ctx: AppContext, access: AccessService) {
  /** A state change inside the caller's platform transaction (also used by incident containment: read-only). */
  async function setStatusTx(tx: Tx, actor: Actor, tenantId: string, status: 'active' | 'restricted' | 'suspended' | 'terminated', reason: string, meta: RequestMeta): Promise<TenantView> {
    const t = await tx.maybeOne<{ status: string }>(`SELECT status FROM tenants WHERE id = $1 FOR UPDATE`, [tenantId]);
    if (!t) throw new AppError(404, 'tenant_not_found');
    if (t.status === 'terminated') throw new AppError(409, 'tenant_terminated');
    if (t.status === status) throw new AppError(409, 'status_unchanged');
    await tx.execute(`UPDATE tenants SET status = $2, updated_at = now() WHERE id = $1`, [tenantId, status]);
    await audit.record(tx, { tenantId: null, actor, action: 'platform.tenant.status', objectType: 'tenant', objectId: tenantId, details: { before: t.status, after: status, reason }, meta });
    await tx.actAsTenant(tenantId);
    await access.recordStatusChange(tx, tenantId, actor, t.status, status, reason);
    await audit.record(tx, { tenantId, actor, action: 'tenant.status', objectType: 'tenant', objectId: tenantId, details: { before: t.status, after: status, reason }, meta });
    return view(await tx.one(`SELECT * FROM tenants WHERE id = $1`, [tenantId]));
  }

  return {
    /**
     * Provisions a tenant inside the caller's platform transaction: the tenant (active, trial plan), its
     * data key and its first admin. Returns the admin's one-time password for the approval mail.
     */
    async provision(
      tx: Tx,
      input: { name: string; uscc: string; registrationId: string; adminEmail: string; adminName: string },
      actor: Actor,
      meta: RequestMeta,
    ): Promise<{ tenantId: string; adminUserId: string; adminPassword: string }> {
      const live = await tx.maybeOne(`SELECT 1 FROM tenants WHERE uscc = $1 AND status <> 'terminated'`, [input.uscc]);
      if (live) throw new AppError(409, 'tenant_exists');
      const tenantId = crypto.randomUUID();
      await tx.execute(
        `INSERT INTO tenants (id, name, uscc, status, plan, registration_id) VALUES ($1, $2, $3, 'active', 'trial', $4)`,
        [tenantId, input.name, input.uscc, input.registrationId],
      );
      await tx.actAsTenant(tenantId);
      await ctx.keys.createTenantKey(tx, tenantId);
      const admin = await access.createInitialAdmin(tx, tenantId, { email: input.adminEmail, name: input.adminName });
      await audit.record(tx, {
        tenantId,
        actor,
        action: 'tenant.provision',
        objectType: 'tenant',
        objectId: tenantId,
        details: { registrationId: input.registrationId, plan: 'trial', adminUserId: admin.userId },
        meta,
      });
      return { tenantId, adminUserId: admin.userId, adminPassword: admin.password };
    },

    async get(tenantId: string): Promise<TenantView | null> {
      return ctx.db.tenant(tenantId, async (tx) => {
        const r = await tx.maybeOne(`SELECT * FROM tenants WHERE id = $1`, [tenantId]);
        return r ? view(r) : null;
      });
    },

    /** The tenant list, a cross-tenant read: audited in the platform chain (who, which filter, how many). */
    async list(filter: { q?: string; status?: string }, actor: Actor, meta: RequestMeta): Promise<TenantView[]> {
      return ctx.db.platform(async (tx) => {
        const rows = await tx.query(
          `SELECT * FROM tenants WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%' OR uscc = upper($2))
           ORDER BY created_at DESC LIMIT 500`,
          [filter.status ?? null, filter.q ?? null],
        );
        await audit.record(tx, { tenantId: null, actor, action: 'platform.tenant.list', objectType: 'tenant', details: { q: filter.q ?? null, status: filter.status ?? null, count: rows.length }, meta });
        return rows.map(view);
      });
    },

    /**
     * Operator changes a tenant's state (active ⇄ restricted ⇄ suspended → terminated). Sessions follow on
     * their next request (the access module checks the state on every request); termination ends them.
     */
    async setStatus(actor: Actor, tenantId: string, status: 'active' | 'restricted' | 'suspended' | 'terminated', reason: string, meta: RequestMeta): Promise<TenantView> {
      return ctx.db.platform((tx) => setStatusTx(tx, actor, tenantId, status, reason, meta));
    },

    setStatusTx,

    async existsLive(tx: Tx, uscc: string): Promise<{ id: string; name: string; status: string } | undefined> {
      return tx.maybeOne(`SELECT id, name, status FROM tenants WHERE uscc = $1 AND status <> 'terminated'`, [uscc]);
    },
  };
}

export type TenantsService = ReturnType<typeof tenantsService>;
