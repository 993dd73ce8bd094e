import type { ReactNode } from 'react';
import { AuditOutlined, DashboardOutlined, FileTextOutlined, HomeOutlined } from '@ant-design/icons';

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
  { key: 'contracts', path: '/tenant/contracts', labelKey: 'contracts.nav', icon: <FileTextOutlined /> },
  { key: 'contract-dashboard', path: '/tenant/contracts/dashboard', labelKey: 'contracts.dashboardNav', icon: <DashboardOutlined /> },
];

export const platformNav: NavItem[] = [
  {
    key: 'registrations',
    path: '/platform/registrations',
    labelKey: 'nav.registrations',
    icon: <AuditOutlined />,
    roles: ['super_admin', 'reviewer'],
  },
];
