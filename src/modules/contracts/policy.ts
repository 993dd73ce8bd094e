import type { Auth } from '../security/service.js';
import { AppError } from '../../platform/http/errors.js';

/**
 * Every authorisation decision of the contracts module, in one place.
 *
 * Interim implementation from `auth.user.roles` until the access module (issue 3) exports
 * `can(auth, perm)`; at merge, `can` below delegates to it and the data-level check moves to the SQL
 * function `app_can_see(level, owner_id, department_id)` in the RLS policy of `contracts`.
 */
export const PERMISSIONS = [
  'contracts.view',
  'contracts.download',
  'contracts.create',
  'contracts.edit',
  'contracts.submit',
  'contracts.approve',
  'contracts.sign',
  'contracts.archive',
  'contracts.delete_draft',
  'templates.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ROLE_PERMISSIONS: Record<string, readonly Permission[]> = {
  tenant_admin: PERMISSIONS,
  contract_manager: [
    'contracts.view', 'contracts.download', 'contracts.create', 'contracts.edit', 'contracts.submit', 'contracts.archive', 'contracts.delete_draft',
  ],
  approver: ['contracts.view', 'contracts.download', 'contracts.approve'],
  signer: ['contracts.view', 'contracts.download', 'contracts.sign'],
  archivist: ['contracts.view', 'contracts.download', 'contracts.archive'],
  viewer: ['contracts.view', 'contracts.download'],
  auditor: ['contracts.view'],
};

export function can(auth: Pick<Auth, 'user'>, perm: Permission): boolean {
  if (auth.user.kind !== 'tenant') return false;
  return auth.user.roles.some((r) => ROLE_PERMISSIONS[r]?.includes(perm));
}

/** Users holding a permission (for resolving "any approver" steps). */
export function rolesWith(perm: Permission): string[] {
  return Object.entries(ROLE_PERMISSIONS)
    .filter(([, perms]) => perms.includes(perm))
    .map(([r]) => r);
}

export interface ContractRef {
  created_by?: string;
  owner_id?: string;
  status?: string;
}

/**
 * Throws 403 `contract_forbidden` unless `auth` may perform `perm` (on `contract`, when given).
 * Object rules: the drafter of a contract never approves it (separation of duties).
 */
export function assertCan(auth: Pick<Auth, 'user'>, perm: Permission, contract?: ContractRef): void {
  if (!can(auth, perm)) throw new AppError(403, 'contract_forbidden', { permission: perm });
  if (contract && perm === 'contracts.approve' && (contract.created_by === auth.user.id || contract.owner_id === auth.user.id)) {
    throw new AppError(403, 'approval_own_contract');
  }
}
