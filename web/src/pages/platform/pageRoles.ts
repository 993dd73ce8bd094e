/**
 * Which platform roles may open each operator page; the same sets guard the API routes behind the page
 * (src/modules/onboarding/policy.ts, src/modules/access/routes.ts). super_admin may open every page.
 */
export const PLATFORM_PAGE_ROLES = {
  registrations: ['super_admin', 'reviewer'],
  tenants: ['super_admin', 'auditor', 'billing_ops', 'support_agent'],
  accessRequests: ['super_admin', 'auditor', 'billing_ops', 'support_agent'],
  accessHistory: ['super_admin', 'auditor', 'billing_ops', 'support_agent', 'security_officer'],
  accessReports: ['super_admin', 'security_officer', 'auditor'],
  securityIncidents: ['super_admin', 'security_officer'],
} as const satisfies Record<string, readonly string[]>;

export type PlatformPage = keyof typeof PLATFORM_PAGE_ROLES;

const ORDER: Array<{ page: PlatformPage; path: string }> = [
  { page: 'registrations', path: '/platform/registrations' },
  { page: 'tenants', path: '/platform/tenants' },
  { page: 'accessReports', path: '/platform/access/reports' },
  { page: 'accessHistory', path: '/platform/access/history' },
  { page: 'securityIncidents', path: '/platform/security/incidents' },
];

export const rolesOf = (page: PlatformPage): string[] => [...PLATFORM_PAGE_ROLES[page]];

/** The first operator page these roles may open (the platform home of that operator). */
export function platformHomeFor(roles: string[]): string {
  const hit = ORDER.find((o) => PLATFORM_PAGE_ROLES[o.page].some((r) => roles.includes(r)));
  return hit?.path ?? '/platform';
}
