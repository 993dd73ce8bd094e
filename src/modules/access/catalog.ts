/**
 * The permission catalogue: every function permission, the module that entitles it, and in which tenant
 * states it stays usable. Built-in roles are defined from it. Tests build their matrix from this file.
 */

export const MODULES = ['core', 'drafting', 'approval', 'signing', 'archiving', 'analytics', 'api_access'] as const;
export type Module = (typeof MODULES)[number];
/** Modules a tenant can be entitled to (core is always on). */
export const ENTITLABLE_MODULES = MODULES.filter((m) => m !== 'core') as Exclude<Module, 'core'>[];

export const LEVELS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Level = (typeof LEVELS)[number];
export const levelRank = (l: string): number => LEVELS.indexOf(l as Level);
export const minLevel = (a: Level, b: Level): Level => (levelRank(a) <= levelRank(b) ? a : b);

export const SCOPES = ['own', 'department', 'department_and_below', 'tenant'] as const;
export type Scope = (typeof SCOPES)[number];

export const TENANT_STATES = ['active', 'restricted', 'suspended', 'terminated'] as const;
export type TenantState = (typeof TENANT_STATES)[number];

export interface PermissionDef {
  module: Module;
  /** Usable while the tenant is restricted (read-only). */
  readOnly: boolean;
  /** Usable while the tenant is suspended (billing and data export only). */
  whenSuspended: boolean;
}

const p = (module: Module, readOnly = false, whenSuspended = false): PermissionDef => ({ module, readOnly, whenSuspended });

export const PERMISSIONS = {
  'contracts.view': p('core', true),
  'contracts.download': p('core', true),
  'contracts.create': p('drafting'),
  'contracts.edit': p('drafting'),
  'contracts.submit': p('drafting'),
  'contracts.delete_draft': p('drafting'),
  'templates.manage': p('drafting'),
  'contracts.approve': p('approval'),
  'contracts.sign': p('signing'),
  'contracts.archive': p('archiving'),
  'analytics.view': p('analytics', true),
  'api_keys.manage': p('api_access'),
  'users.manage': p('core'),
  'roles.manage': p('core'),
  'audit.view': p('core', true),
  // Security policy (MFA, password rules, session lifetimes, IP allow-list) and security alerts of the tenant.
  'security.manage': p('core'),
  'billing.view': p('core', true, true),
  'billing.pay': p('core', true, true),
  'data.export': p('core', true, true),
  'backups.manage': p('core'),
  'support.use': p('core', true),
} as const satisfies Record<string, PermissionDef>;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];
export const isPermission = (s: string): s is Permission => Object.hasOwn(PERMISSIONS, s);

export const BUILTIN_ROLES = ['tenant_admin', 'contract_manager', 'approver', 'signer', 'archivist', 'viewer', 'auditor'] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

/** Built-in role grants at provisioning (then stored per tenant; tenant_admin follows the entitlements exactly). */
export const BUILTIN_GRANTS: Record<BuiltinRole, readonly Permission[]> = {
  tenant_admin: ALL_PERMISSIONS,
  contract_manager: [
    'contracts.view', 'contracts.download', 'contracts.create', 'contracts.edit', 'contracts.submit', 'contracts.delete_draft',
    'templates.manage', 'analytics.view', 'support.use',
  ],
  approver: ['contracts.view', 'contracts.download', 'contracts.approve', 'support.use'],
  signer: ['contracts.view', 'contracts.download', 'contracts.sign', 'support.use'],
  archivist: ['contracts.view', 'contracts.download', 'contracts.archive', 'support.use'],
  viewer: ['contracts.view', 'contracts.download'],
  auditor: ['audit.view', 'contracts.view'],
};

export const BUILTIN_NAMES: Record<BuiltinRole, { zh: string; en: string }> = {
  tenant_admin: { zh: '租户管理员', en: 'Tenant admin' },
  contract_manager: { zh: '合同管理员', en: 'Contract manager' },
  approver: { zh: '审批人', en: 'Approver' },
  signer: { zh: '签署人', en: 'Signer' },
  archivist: { zh: '归档员', en: 'Archivist' },
  viewer: { zh: '查看者', en: 'Viewer' },
  auditor: { zh: '审计员', en: 'Auditor' },
};

/** Entitlements of a new tenant (trial plan). */
export const DEFAULT_ENTITLEMENTS = {
  modules: ['drafting', 'approval', 'signing', 'archiving'] as Module[],
  seatLimit: 10,
  tier: 'confidential' as Level,
};

/** Permissions a tenant with these modules may hold at all (core always included). */
export function entitledPermissions(modules: readonly string[]): Permission[] {
  return ALL_PERMISSIONS.filter((perm) => PERMISSIONS[perm].module === 'core' || modules.includes(PERMISSIONS[perm].module));
}

/** Whether the tenant state lets this permission be used. */
export function stateAllows(state: string, perm: Permission): boolean {
  const def = PERMISSIONS[perm];
  if (state === 'active') return true;
  if (state === 'restricted') return def.readOnly;
  if (state === 'suspended') return def.whenSuspended;
  return false;
}
