import type { ReactNode } from 'react';
import {
  AlertOutlined, ApartmentOutlined, AuditOutlined, BankOutlined, DashboardOutlined, FileProtectOutlined, FileTextOutlined,
  HistoryOutlined, HomeOutlined, KeyOutlined, ReadOutlined, SafetyOutlined, SettingOutlined, TeamOutlined,
} from '@ant-design/icons';
import { rolesOf } from './pages/platform/pageRoles';

/**
 * Left-menu entries of the consoles. Later areas (contracts, users, security, ...)
 * add their items here; `labelKey` is an i18n key, `roles` (optional) restricts visibility.
 */
export interface NavItem {
  key: string;
  path: string;
  labelKey: string;
  icon: ReactNode;
  roles?: string[];
  /** Tenant console: shown when the user holds any of these permissions now (from /api/v1/access/me). */
  permissions?: string[];
}

export const tenantNav: NavItem[] = [
  { key: 'home', path: '/tenant', labelKey: 'nav.tenantHome', icon: <HomeOutlined /> },
  { key: 'contracts', path: '/tenant/contracts', labelKey: 'contracts.nav', icon: <FileTextOutlined /> },
  { key: 'contract-dashboard', path: '/tenant/contracts/dashboard', labelKey: 'contracts.dashboardNav', icon: <DashboardOutlined /> },
  { key: 'contract-settings', path: '/tenant/contracts/settings', labelKey: 'contractsUx.settingsNav', icon: <SettingOutlined />, permissions: ['templates.manage'] },
  // access (shown by the permission each page's API needs, so custom roles see their pages; the API enforces it anyway)
  { key: 'access-users', path: '/tenant/access/users', labelKey: 'access.nav.users', icon: <TeamOutlined />, permissions: ['users.manage'] },
  { key: 'access-roles', path: '/tenant/access/roles', labelKey: 'access.nav.roles', icon: <SafetyOutlined />, permissions: ['roles.manage'] },
  { key: 'access-departments', path: '/tenant/access/departments', labelKey: 'access.nav.departments', icon: <ApartmentOutlined />, permissions: ['users.manage'] },
  { key: 'access-requests', path: '/tenant/access/requests', labelKey: 'access.nav.requests', icon: <FileProtectOutlined />, permissions: ['roles.manage'] },
  { key: 'access-history', path: '/tenant/access/history', labelKey: 'access.nav.history', icon: <HistoryOutlined />, permissions: ['audit.view'] },
  { key: 'access-reports', path: '/tenant/access/reports', labelKey: 'access.nav.reports', icon: <AlertOutlined />, permissions: ['audit.view'] },
  { key: 'access-api-keys', path: '/tenant/access/api-keys', labelKey: 'access.nav.apiKeys', icon: <KeyOutlined />, permissions: ['api_keys.manage'] },
  // security
  { key: 'security', path: '/tenant/security', labelKey: 'security.nav.security', icon: <SafetyOutlined /> },
  { key: 'security-training', path: '/tenant/security/training', labelKey: 'security.nav.training', icon: <ReadOutlined /> },
  { key: 'security-center', path: '/tenant/security/center', labelKey: 'security.nav.center', icon: <AlertOutlined />, permissions: ['audit.view'] },
  { key: 'security-policy', path: '/tenant/security/policy', labelKey: 'security.nav.policy', icon: <SettingOutlined />, permissions: ['security.manage'] },
];

export const platformNav: NavItem[] = [
  { key: 'registrations', path: '/platform/registrations', labelKey: 'nav.registrations', icon: <AuditOutlined />, roles: rolesOf('registrations') },
  { key: 'tenants', path: '/platform/tenants', labelKey: 'access.nav.tenants', icon: <BankOutlined />, roles: rolesOf('tenants') },
  { key: 'access-requests', path: '/platform/access/requests', labelKey: 'access.nav.requestQueue', icon: <FileProtectOutlined />, roles: rolesOf('accessRequests') },
  { key: 'access-history', path: '/platform/access/history', labelKey: 'access.nav.platformHistory', icon: <HistoryOutlined />, roles: rolesOf('accessHistory') },
  { key: 'access-reports', path: '/platform/access/reports', labelKey: 'access.nav.reports', icon: <AlertOutlined />, roles: rolesOf('accessReports') },
  { key: 'security-incidents', path: '/platform/security/incidents', labelKey: 'security.nav.incidents', icon: <AlertOutlined />, roles: rolesOf('securityIncidents') },
  { key: 'security', path: '/platform/security', labelKey: 'security.nav.security', icon: <SafetyOutlined /> },
];
