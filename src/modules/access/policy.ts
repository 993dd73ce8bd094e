import { ALL_PERMISSIONS, PERMISSIONS, isPermission, stateAllows, type Permission } from './catalog.js';

/** What the decision is based on; loaded from the database on every request (no cache). */
export interface AccessFacts {
  tenantStatus: string;
  /** Entitled modules (core is implicit). */
  modules: string[];
  /** Union of the permissions of the user's roles. */
  grants: string[];
  userActive: boolean;
  /**
   * Training gates the user has not passed yet: permission → the first course still required for it
   * (a tenant setting, see trainingGate). Absent = no gate.
   */
  trainingGaps?: Record<string, { courseId: string; title: string }>;
}

export type DenyReason = 'tenant_suspended' | 'tenant_terminated' | 'tenant_read_only' | 'module_not_entitled' | 'permission_denied' | 'account_disabled' | 'training_required';

export type Decision = { allowed: true } | { allowed: false; reason: DenyReason; course?: { id: string; title: string } };

/**
 * Training gate (a tenant setting): a risky permission (e.g. contracts.download) is withheld until the
 * user has completed the required course. Applied last, so that it only ever narrows what roles ∩
 * entitlements ∩ state allow, and the refusal names the course.
 */
export function trainingGate(f: AccessFacts, perm: string): Decision {
  const gap = f.trainingGaps?.[perm];
  return gap ? { allowed: false, reason: 'training_required', course: { id: gap.courseId, title: gap.title } } : { allowed: true };
}

/** Parameters of the 403 for a refusal (the permission, and the course for a training gate). */
/** Module names for messages (the UI has its own catalogue; these are for problem details). */
const MODULE_NAMES: Record<string, { zh: string; en: string }> = {
  drafting: { zh: '合同起草', en: 'Drafting' },
  approval: { zh: '合同审批', en: 'Approval' },
  signing: { zh: '合同签署', en: 'Signing' },
  archiving: { zh: '合同归档', en: 'Archiving' },
  analytics: { zh: '统计分析', en: 'Analytics' },
  api_access: { zh: 'API 接入', en: 'API access' },
};

export function denialParams(d: Decision, perm: string): Record<string, string> {
  if (!d.allowed && d.course) return { permission: perm, course: d.course.title, courseId: d.course.id };
  if (!d.allowed && d.reason === 'module_not_entitled' && isPermission(perm)) {
    const m = PERMISSIONS[perm].module;
    return { permission: perm, module: m, moduleZh: MODULE_NAMES[m]?.zh ?? m, moduleEn: MODULE_NAMES[m]?.en ?? m };
  }
  return { permission: perm };
}

/** Effective permission = role grants ∩ tenant entitlements ∩ tenant state ∩ training gates. */
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
  return trainingGate(f, perm);
}

export function effective(f: AccessFacts): Permission[] {
  return ALL_PERMISSIONS.filter((p) => decide(f, p).allowed);
}

/** HTTP status of a denial. */
export const denyStatus = (_r: DenyReason) => 403;
