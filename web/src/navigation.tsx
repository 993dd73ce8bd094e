import type { ReactNode } from 'react';
import { AlertOutlined, AuditOutlined, ReadOutlined, HomeOutlined, SafetyOutlined, SettingOutlined } from '@ant-design/icons';

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
}

export const tenantNav: NavItem[] = [
  { key: 'home', path: '/tenant', labelKey: 'nav.tenantHome', icon: <HomeOutlined /> },
  { key: 'security', path: '/tenant/security', labelKey: 'security.nav.security', icon: <SafetyOutlined /> },
  { key: 'security-training', path: '/tenant/security/training', labelKey: 'security.nav.training', icon: <ReadOutlined /> },
  { key: 'security-center', path: '/tenant/security/center', labelKey: 'security.nav.center', icon: <AlertOutlined />, roles: ['tenant_admin', 'auditor'] },
  { key: 'security-policy', path: '/tenant/security/policy', labelKey: 'security.nav.policy', icon: <SettingOutlined />, roles: ['tenant_admin'] },
];

export const platformNav: NavItem[] = [
  {
    key: 'registrations',
    path: '/platform/registrations',
    labelKey: 'nav.registrations',
    icon: <AuditOutlined />,
    roles: ['super_admin', 'reviewer'],
  },
  { key: 'security', path: '/platform/security', labelKey: 'security.nav.security', icon: <SafetyOutlined /> },
  { key: 'security-incidents', path: '/platform/security/incidents', labelKey: 'security.nav.incidents', icon: <AlertOutlined />, roles: ['super_admin', 'security_officer'] },
];
