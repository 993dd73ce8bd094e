import { Avatar, Button, Dropdown, Layout, Segmented, Space, Typography, theme } from 'antd';
import type { MenuProps } from 'antd';
import { DownOutlined, FileProtectOutlined, KeyOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useNavigate } from 'react-router-dom';
import { homePathFor, useAuth } from '../auth';
import { currentLanguage, setLanguage, type Language } from '../i18n';
import { NotificationBell } from '../pages/contracts/ux/Notifications';

export function LanguageSwitch() {
  const { t } = useTranslation();
  const value = currentLanguage();
  return (
    <Segmented<Language>
      size="small"
      data-testid="language-switch"
      aria-label={t('header.language')}
      value={value}
      onChange={(lng) => setLanguage(lng)}
      options={[
        { value: 'zh-CN', label: t('header.langZh') },
        { value: 'en', label: t('header.langEn') },
      ]}
    />
  );
}

function UserMenu() {
  const { t } = useTranslation();
  const { me, logout } = useAuth();
  const navigate = useNavigate();
  if (!me) return null;
  const items: MenuProps['items'] = [
    {
      key: 'info',
      disabled: true,
      label: (
        <div>
          <div>{me.user.name}</div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {me.user.email}
          </Typography.Text>
        </div>
      ),
    },
    { type: 'divider' },
    { key: 'home', icon: <FileProtectOutlined />, label: t('header.console') },
    { key: 'password', icon: <KeyOutlined />, label: t('header.changePassword') },
    { key: 'logout', icon: <LogoutOutlined />, label: t('header.logout'), danger: true },
  ];
  const onClick: MenuProps['onClick'] = async ({ key }) => {
    if (key === 'home') navigate(homePathFor(me));
    if (key === 'password') navigate('/change-password');
    if (key === 'logout') {
      // full reload: drops every in-memory state of the signed-out user
      await logout(() => window.location.assign('/login'));
    }
  };
  return (
    <Dropdown menu={{ items, onClick }} trigger={['click']} placement="bottomRight">
      <Button type="text" data-testid="user-menu" style={{ color: 'inherit', height: 40 }}>
        <Space>
          <Avatar size="small" icon={<UserOutlined />} style={{ background: '#3b6fd1' }} />
          <span className="pactum-user-name">{me.user.name || me.user.email}</span>
          <DownOutlined style={{ fontSize: 10 }} />
        </Space>
      </Button>
    </Dropdown>
  );
}

export default function AppLayout() {
  const { t } = useTranslation();
  const { me } = useAuth();
  const { token } = theme.useToken();
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header
        style={{
          display: 'flex',
          alignItems: 'center',
          justifyContent: 'space-between',
          padding: '0 24px',
          background: '#0f2a5c',
          position: 'sticky',
          top: 0,
          zIndex: 100,
          boxShadow: '0 1px 4px rgba(0,21,41,.2)',
        }}
      >
        <Link to="/" style={{ display: 'flex', alignItems: 'center', gap: 10, color: '#fff' }} data-testid="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span style={{ fontSize: 18, fontWeight: 600, letterSpacing: 0.5 }}>{t('app.name')}</span>
        </Link>
        <Space size="middle" style={{ color: '#fff' }}>
          <LanguageSwitch />
          {me?.user.kind === 'tenant' && me.tenant && <NotificationBell />}
          {me ? (
            <UserMenu />
          ) : me === null ? (
            <Link to="/login">
              <Button type="primary" ghost size="small" style={{ color: '#fff', borderColor: 'rgba(255,255,255,.6)' }}>
                {t('header.login')}
              </Button>
            </Link>
          ) : null}
        </Space>
      </Layout.Header>
      <Outlet />
      <Layout.Footer style={{ textAlign: 'center', color: token.colorTextSecondary, background: 'transparent' }}>
        {t('app.footer', { year: new Date().getFullYear() })}
      </Layout.Footer>
    </Layout>
  );
}
