import { Layout, Menu } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { api } from '../api';
import { useAuth } from '../auth';
import type { NavItem } from '../navigation';

export default function ConsoleLayout({ items }: { items: NavItem[] }) {
  const { t } = useTranslation();
  const { me } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(false);
  const roles = me?.user.roles ?? [];
  // Items gated by a permission need the caller's effective permissions (tenant users only).
  const [permissions, setPermissions] = useState<string[]>([]);
  const needsPermissions = me?.user.kind === 'tenant' && items.some((i) => i.permission);
  useEffect(() => {
    if (!needsPermissions) return;
    let live = true;
    api
      .get<{ permissions: string[] }>('/access/me')
      .then((r) => live && setPermissions(r.permissions))
      .catch(() => live && setPermissions([]));
    return () => {
      live = false;
    };
  }, [needsPermissions, me?.user.id]);
  const visible = items.filter(
    (item) => (!item.roles || item.roles.some((r) => roles.includes(r))) && (!item.permission || permissions.includes(item.permission)),
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
