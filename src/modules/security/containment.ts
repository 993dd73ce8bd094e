import { z } from 'zod';
import type { Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { notFound } from '../../platform/http/errors.js';
import type { AccessService } from '../access/service.js';
import type { TenantsService } from '../tenants/service.js';
import { securityRepo as repo } from './repo.js';

/**
 * Containment actions of an incident: each one really acts (through the owning module's service, inside
 * the incident's platform transaction acting for the tenant), is audited on the tenant's chain, and its
 * result goes on the incident timeline. The set is a registry: an action is its input schema plus `run`.
 *
 * `revoke_api_key` revokes a tenant API key through the access module (it stops on its next request).
 */
export interface ContainmentDeps {
  access: AccessService;
  tenants: TenantsService;
}

export interface ContainmentRun {
  /** Platform transaction already acting for `tenantId`. */
  tx: Tx;
  tenantId: string;
  tenantName: string;
  incidentId: string;
  actor: Actor;
  reason: string;
  meta: RequestMeta;
}

export interface ContainmentResult {
  /** One line for the timeline (what was done, to whom, with what effect). */
  text: string;
  details: Record<string, unknown>;
}

interface ActionDef<S extends z.ZodObject> {
  input: S;
  run(c: ContainmentRun, input: z.infer<S>): Promise<ContainmentResult>;
}
const action = <S extends z.ZodObject>(input: S, run: ActionDef<S>['run']): ActionDef<S> => ({ input, run });

const userInput = z.object({ userId: z.uuid() });

export function containmentActions(deps: ContainmentDeps) {
  return {
    /** Disables the account: its sessions end at once (next request 401 account_disabled), sign-in refused. */
    lock_user: action(userInput, async (c, i) => {
      const r = await deps.access.containUserTx(c.tx, c.tenantId, i.userId, true, c.actor, c.reason, c.meta);
      return { text: `lock_user ${r.email} @ ${c.tenantName}: ${r.changed ? 'locked' : 'already locked'}, ${r.sessionsEnded} session(s) ended`, details: { userId: i.userId, ...r } };
    }),
    /** Re-enables a user locked during the incident. */
    unlock_user: action(userInput, async (c, i) => {
      const r = await deps.access.containUserTx(c.tx, c.tenantId, i.userId, false, c.actor, c.reason, c.meta);
      return { text: `unlock_user ${r.email} @ ${c.tenantName}: ${r.changed ? 'unlocked' : 'was not locked'}`, details: { userId: i.userId, changed: r.changed } };
    }),
    /** Ends the sessions of one user (userId) or of every user of the tenant (no userId). */
    revoke_sessions: action(z.object({ userId: z.uuid().optional() }), async (c, i) => {
      let ended: number;
      let who: string;
      if (i.userId) {
        const u = await c.tx.maybeOne<{ email: string }>(`SELECT email FROM users WHERE tenant_id = $1 AND id = $2`, [c.tenantId, i.userId]);
        if (!u) throw notFound('user_not_found');
        ended = await repo.revokeTenantUserSessions(c.tx, c.tenantId, i.userId, 'incident_containment');
        who = u.email;
      } else {
        ended = await repo.revokeTenantSessions(c.tx, c.tenantId, 'incident_containment');
        who = 'all users';
      }
      await audit.record(c.tx, {
        tenantId: c.tenantId,
        actor: c.actor,
        action: i.userId ? 'session.revoke_user' : 'session.revoke_tenant',
        objectType: i.userId ? 'user' : 'tenant',
        objectId: i.userId ?? c.tenantId,
        details: { ended, reason: c.reason, incidentId: c.incidentId },
        meta: c.meta,
      });
      return { text: `revoke_sessions ${who} @ ${c.tenantName}: ${ended} session(s) ended`, details: { userId: i.userId ?? null, ended } };
    }),
    /** Puts the tenant in read-only (status restricted): every write gets 403 tenant_read_only. */
    tenant_read_only: action(z.object({}), async (c) => {
      const t = await deps.tenants.setStatusTx(c.tx, c.actor, c.tenantId, 'restricted', c.reason, c.meta);
      return { text: `tenant_read_only ${c.tenantName}: status ${t.status}`, details: { status: t.status } };
    }),
    /** Revokes one API key of the tenant: its next call gets 401 api_key_revoked. */
    revoke_api_key: action(z.object({ keyId: z.uuid() }), async (c, i) => {
      const k = await deps.access.revokeApiKeyTx(c.tx, c.tenantId, i.keyId, c.actor, c.reason, c.meta);
      return { text: `revoke_api_key ${k.name} (${k.prefix}) @ ${c.tenantName}: revoked`, details: { keyId: i.keyId, name: k.name, prefix: k.prefix } };
    }),
    /** Lifts the read-only state again (status active). */
    tenant_restore: action(z.object({}), async (c) => {
      const t = await deps.tenants.setStatusTx(c.tx, c.actor, c.tenantId, 'active', c.reason, c.meta);
      return { text: `tenant_restore ${c.tenantName}: status ${t.status}`, details: { status: t.status } };
    }),
  };
}

export type ContainmentActions = ReturnType<typeof containmentActions>;
export type ContainmentAction = keyof ContainmentActions;
export const CONTAINMENT_ACTIONS = ['lock_user', 'unlock_user', 'revoke_sessions', 'revoke_api_key', 'tenant_read_only', 'tenant_restore'] as const satisfies readonly ContainmentAction[];

/** The request body: { action, tenantId, reason, ...the action's own fields }, validated per action. */
export function containmentBody(actions: ContainmentActions) {
  const base = z.object({ tenantId: z.uuid(), reason: z.string().trim().min(1).max(2000) });
  const variants = (Object.keys(actions) as ContainmentAction[]).map((k) => base.extend({ action: z.literal(k) }).extend(actions[k].input.shape));
  return z.discriminatedUnion('action', variants as unknown as [z.ZodObject, ...z.ZodObject[]]);
}
