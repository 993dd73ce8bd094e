import { Layout, Menu } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth';
import type { NavItem } from '../navigation';
import { useTenantPermissions } from '../useTenantPermissions';

export default function ConsoleLayout({ items }: { items: NavItem[] }) {
  const { t } = useTranslation();
  const { me } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(false);
  const roles = me?.user.roles ?? [];
  // Items with `permissions` show when the tenant user holds one of them now (custom roles included).
  const perms = useTenantPermissions(me?.user.kind === 'tenant' && items.some((i) => i.permissions), location.pathname);
  const visible = items.filter(
    (item) => (!item.roles || item.roles.some((r) => roles.includes(r))) && (!item.permissions || item.permissions.some((p) => (perms ?? []).includes(p))),
  );
  const selected = visible
    .filter((item) => location.pathname === item.path || location.pathname.startsWith(`${item.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];

  return (
    <Layout style={{ flex: 1 }}>
      <Layout.Sider
        theme="light"
        width={220}
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
        breakpoint="lg"
        style={{ borderRight: '1px solid #f0f0f0' }}
      >
        <Menu
          mode="inline"
          selectedKeys={selected ? [selected.key] : []}
          style={{ borderInlineEnd: 'none', paddingTop: 8 }}
          items={visible.map((item) => ({
            key: item.key,
            icon: item.icon,
            label: t(item.labelKey),
            'data-testid': `nav-${item.key}`,
          }))}
          onClick={({ key }) => {
            const item = visible.find((i) => i.key === key);
            if (item) navigate(item.path);
          }}
        />
      </Layout.Sider>
      <Layout.Content style={{ padding: 24, minWidth: 0 }}>
        <Outlet />
      </Layout.Content>
    </Layout>
  );
}
