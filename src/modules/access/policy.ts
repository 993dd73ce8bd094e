import { ALL_PERMISSIONS, PERMISSIONS, isPermission, stateAllows, type Permission } from './catalog.js';

/** What the decision is based on; loaded from the database on every request (no cache). */
export interface AccessFacts {
  tenantStatus: string;
  /** Entitled modules (core is implicit). */
  modules: string[];
  /** Union of the permissions of the user's roles. */
  grants: string[];
  userActive: boolean;
}

export type DenyReason = 'tenant_suspended' | 'tenant_terminated' | 'tenant_read_only' | 'module_not_entitled' | 'permission_denied' | 'account_disabled';

export type Decision = { allowed: true } | { allowed: false; reason: DenyReason };

/** Effective permission = role grants ∩ tenant entitlements ∩ tenant state. */
export function decide(f: AccessFacts, perm: string): Decision {
  if (!isPermission(perm)) return { allowed: false, reason: 'permission_denied' };
  if (!f.userActive) return { allowed: false, reason: 'account_disabled' };
  if (f.tenantStatus === 'terminated') return { allowed: false, reason: 'tenant_terminated' };
  const def = PERMISSIONS[perm];
  if (def.module !== 'core' && !f.modules.includes(def.module)) return { allowed: false, reason: 'module_not_entitled' };
  if (!f.grants.includes(perm)) return { allowed: false, reason: 'permission_denied' };
  if (!stateAllows(f.tenantStatus, perm)) {
    return { allowed: false, reason: f.tenantStatus === 'suspended' ? 'tenant_suspended' : 'tenant_read_only' };
  }
  return { allowed: true };
}

export function effective(f: AccessFacts): Permission[] {
  return ALL_PERMISSIONS.filter((p) => decide(f, p).allowed);
}

/** HTTP status of a denial. */
export const denyStatus = (_r: DenyReason) => 403;
