import { api } from '../../api';

export const LEVELS = ['public', 'internal', 'confidential', 'restricted'] as const;
export const SCOPES = ['own', 'department', 'department_and_below', 'tenant'] as const;
export const MODULES = ['drafting', 'approval', 'signing', 'archiving', 'analytics', 'api_access'] as const;

export interface AccessUser {
  id: string;
  email: string;
  name: string;
  status: string;
  clearance: string;
  scope: string;
  departmentId: string | null;
  roleIds: string[];
  roles: string[];
  roleNames?: string[];
  lastLoginAt: string | null;
}
export interface Role {
  id: string;
  key: string;
  name: string;
  permissions: string[];
  builtin: boolean;
  userCount: number;
}
export interface Department {
  id: string;
  name: string;
  parentId: string | null;
  /** Approver of "department head" contract approval steps. */
  headUserId: string | null;
  userCount: number;
}
export interface CatalogEntry {
  key: string;
  module: string;
  readOnly: boolean;
}
export interface PermissionRequest {
  id: string;
  tenantId: string;
  tenantName: string;
  type: string;
  module: string | null;
  tier: string | null;
  seats: number | null;
  reason: string;
  status: string;
  requestedBy: string | null;
  requestedAt: string;
  comment: string | null;
  effectiveFrom: string | null;
}
export interface HistoryEntry {
  id: string;
  tenantId: string;
  tenantName: string;
  occurredAt: string;
  actor: string;
  kind: string;
  subjectType: string;
  subjectLabel: string | null;
  subjectId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  requestId: string | null;
}
export interface AccessMe {
  permissions: string[];
  tenantStatus: string;
  entitlements: { modules: string[]; seatLimit: number; tier: string };
  clearance: string;
  scope: string;
  roles: string[];
}
export interface TenantAccess {
  tenant: { id: string; name: string; status: string; plan: string };
  entitlements: { modules: string[]; seatLimit: number; tier: string; updatedAt: string | null };
  seatsUsed: number;
  roles: Role[];
}

export interface Invitation {
  id: string;
  email: string;
  createdAt: string;
  expiresAt: string;
  status: 'pending' | 'accepted' | 'expired' | 'revoked';
}
export interface ReportSummary {
  deniedUsers: number;
  denials: number;
  unusedGrants: number;
  sodConflicts: number;
  admins: number;
  tooManyAdmins: boolean;
  dormant: number;
}
export interface ReportListItem {
  id: string;
  tenantId: string;
  tenantName?: string;
  createdAt: string;
  trigger: 'scheduled' | 'on_demand';
  summary: ReportSummary;
}
export interface ReportFindings {
  generatedAt: string;
  periodDays: number;
  settings: AuditSettings;
  summary: ReportSummary;
  deniedByUser: Array<{ userId: string | null; email: string | null; count: number; lastAt: string; reasons: Record<string, number> }>;
  unusedPermissions: Array<{ userId: string; email: string; permissions: string[] }>;
  sodConflicts: Array<{ userId: string; email: string; pair: [string, string] }>;
  admins: { count: number; threshold: number; exceeded: boolean; users: Array<{ userId: string; email: string }> };
  dormantAccounts: Array<{ userId: string; email: string; lastLoginAt: string | null; createdAt: string }>;
}
export interface Report extends ReportListItem {
  findings: ReportFindings;
}
export interface AuditSettings {
  sodPairs: Array<[string, string]>;
  maxAdmins: number;
  spikeThreshold: number;
}
export interface AccessAlert {
  id: string;
  tenantId: string;
  tenantName: string;
  kind: string;
  userId: string | null;
  user: string | null;
  count: number;
  windowMinutes: number;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  roleId: string | null;
  roleKey: string | null;
  roleName: string | null;
  prefix: string;
  status: 'active' | 'expired' | 'revoked' | 'role_removed';
  createdAt: string;
  createdBy: { id: string; label: string | null };
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  revokeReason: string | null;
}
export interface ApiKeyRole {
  id: string;
  key: string;
  name: string;
  builtin: boolean;
  /** The caller may give this role to a key (it holds no more than the caller does). */
  assignable: boolean;
}

export interface HistoryFilter {
  kind?: string;
  q?: string;
  from?: string;
  to?: string;
  tenantId?: string;
}

export const accessApi = {
  me: () => api.get<AccessMe>('/access/me'),
  users: () => api.get<{ items: AccessUser[]; seats: { used: number; limit: number } }>('/access/users'),
  invite: (body: { email: string; roleIds: string[]; departmentId?: string | null; clearance?: string; scope?: string; reason?: string }) =>
    api.post<{ id: string }>('/access/invitations', body),
  updateUser: (id: string, body: Partial<{ name: string; roleIds: string[]; clearance: string; scope: string; departmentId: string | null; reason: string }>) =>
    api.patch<AccessUser>(`/access/users/${id}`, body),
  disable: (id: string, reason?: string) => api.post<AccessUser>(`/access/users/${id}/disable`, { reason }),
  enable: (id: string, reason?: string) => api.post<AccessUser>(`/access/users/${id}/enable`, { reason }),
  roles: () => api.get<{ items: Role[] }>('/access/roles'),
  catalog: () => api.get<{ items: CatalogEntry[] }>('/access/catalog'),
  createRole: (body: { name: string; permissions: string[]; reason?: string }) => api.post<Role>('/access/roles', body),
  updateRole: (id: string, body: { name: string; permissions: string[]; reason?: string }) => api.put<Role>(`/access/roles/${id}`, body),
  deleteRole: (id: string, reason?: string) => api.delete<void>(`/access/roles/${id}`, { query: { reason } }),
  departments: () => api.get<{ items: Department[] }>('/access/departments'),
  createDepartment: (body: { name: string; parentId?: string | null; reason?: string }) => api.post<Department>('/access/departments', body),
  deleteDepartment: (id: string, reason?: string) => api.delete<void>(`/access/departments/${id}`, { query: { reason } }),
  updateDepartment: (id: string, body: { name?: string; parentId?: string | null; headUserId?: string | null; reason?: string }) => api.patch<Department>(`/access/departments/${id}`, body),
  invitations: () => api.get<{ items: Invitation[] }>('/access/invitations'),
  revokeInvitation: (id: string, reason?: string) => api.delete<void>(`/access/invitations/${id}`, { query: { reason } }),
  reports: () => api.get<{ items: ReportListItem[] }>('/access/reports'),
  report: (id: string) => api.get<Report>(`/access/reports/${id}`),
  runReport: () => api.post<Report>('/access/reports', {}),
  auditSettings: () => api.get<AuditSettings>('/access/audit-settings'),
  saveAuditSettings: (body: AuditSettings & { reason?: string }) => api.put<AuditSettings>('/access/audit-settings', body),
  alerts: () => api.get<{ items: AccessAlert[] }>('/access/alerts'),
  platformReports: (tenantId?: string) => api.get<{ items: ReportListItem[] }>('/platform/access-reports', { query: { tenantId } }),
  platformReport: (tenantId: string, id: string) => api.get<Report>(`/platform/tenants/${tenantId}/access-reports/${id}`),
  platformRunReport: (tenantId: string) => api.post<Report>(`/platform/tenants/${tenantId}/access-reports`, {}),
  platformAlerts: () => api.get<{ items: AccessAlert[] }>('/platform/access/alerts'),
  requests: () => api.get<{ items: PermissionRequest[] }>('/access/requests'),
  createRequest: (body: { type: string; module?: string; tier?: string; seats?: number; reason: string }) => api.post<{ id: string }>('/access/requests', body),
  history: (f: HistoryFilter, platform: boolean) =>
    api.get<{ items: HistoryEntry[]; truncated?: boolean }>(platform ? '/platform/access/history' : '/access/history', { query: { ...f } }),
  historyCsvUrl: (f: HistoryFilter, platform: boolean) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...f, format: 'csv' })) if (v) p.set(k, String(v));
    return `/api/v1/${platform ? 'platform/access/history' : 'access/history'}?${p.toString()}`;
  },
  apiKeys: () => api.get<{ items: ApiKey[]; roles: ApiKeyRole[] }>('/access/api-keys'),
  createApiKey: (body: { name: string; roleId: string; expiresAt?: string | null; reason?: string }) => api.post<{ key: ApiKey; token: string }>('/access/api-keys', body),
  revokeApiKey: (id: string, reason?: string) => api.post<ApiKey>(`/access/api-keys/${id}/revoke`, { reason: reason || undefined }),
  // operator
  tenantAccess: (id: string) => api.get<TenantAccess>(`/platform/tenants/${id}/access`),
  setEntitlements: (id: string, body: { modules: string[]; seatLimit: number; tier: string; reason: string }) =>
    api.put<unknown>(`/platform/tenants/${id}/entitlements`, body),
  setStatus: (id: string, body: { status: string; reason: string }) => api.put<unknown>(`/platform/tenants/${id}/status`, body),
  platformRequests: (status?: string) => api.get<{ items: PermissionRequest[] }>('/platform/access/requests', { query: { status } }),
  approve: (tenantId: string, id: string, body: { comment: string; effectiveFrom?: string | null }) =>
    api.post<unknown>(`/platform/access/requests/${tenantId}/${id}/approve`, body),
  reject: (tenantId: string, id: string, comment: string) => api.post<unknown>(`/platform/access/requests/${tenantId}/${id}/reject`, { comment }),
  tenants: (q?: string) => api.get<{ items: Array<{ id: string; name: string; uscc: string; status: string; plan: string; createdAt: string }> }>('/platform/tenants', { query: { q } }),
  invitation: (token: string) => api.get<{ email: string; tenantName: string; expiresAt: string }>(`/invitations/${encodeURIComponent(token)}`),
  accept: (token: string, body: { email: string; name: string; password: string }) => api.post<{ userId: string }>(`/invitations/${encodeURIComponent(token)}`, body),
};
