import { showDateTime } from '../../../format';
import { useCallback, useEffect, useState } from 'react';
import { Badge, Button, Card, Dropdown, Empty, List, Space, Typography } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import ProblemAlert from '../../../components/ProblemAlert';
import { uxApi, type Notification } from './uxApi';
import { usePermissions } from '../usePermissions';

/** One notification as a sentence in the reader's language (kind + contract number and title). */
export function useNotificationText() {
  const { t, i18n } = useTranslation();
  return (n: Notification) =>
    i18n.exists(`contractsUx.notifications.kind.${n.kind}`)
      ? t(`contractsUx.notifications.kind.${n.kind}`, { ...n.params })
      : t('contractsUx.notifications.kind.other', { ...n.params });
}

const POLL_MS = 60_000;

/**
 * The bell in the app header: unread count, the latest notifications, mark read, link to the contract.
 * Shown only to users who may see contracts (a refused poll would be recorded as a denial every minute).
 */
export function NotificationBell() {
  const perms = usePermissions();
  if (!perms.loaded || !perms.has('contracts.view')) return null;
  return <Bell />;
}

function Bell() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const text = useNotificationText();
  const [unread, setUnread] = useState(0);
  const [items, setItems] = useState<Notification[]>([]);
  const [open, setOpen] = useState(false);

  const refresh = useCallback(async () => {
    try {
      setUnread((await uxApi.unread()).unread);
    } catch {
      /* not signed in to a tenant with contracts: no bell count */
    }
  }, []);
  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => void refresh(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [refresh, location.pathname]);

  const openList = async (next: boolean) => {
    setOpen(next);
    if (next) setItems((await uxApi.notifications().catch(() => [])).slice(0, 8));
  };
  const go = async (n: Notification) => {
    if (!n.readAt) setUnread((await uxApi.markRead(n.id)).unread);
    setOpen(false);
    if (n.contractId) navigate(`/tenant/contracts/${n.contractId}`);
  };

  const panel = (
    <Card size="small" style={{ width: 380 }} data-testid="notification-panel"
      title={t('contractsUx.notifications.title')}
      extra={<Button size="small" type="link" data-testid="notifications-read-all" disabled={!unread} onClick={async () => { setUnread((await uxApi.markAllRead()).unread); setItems((xs) => xs.map((x) => ({ ...x, readAt: x.readAt ?? new Date().toISOString() }))); }}>{t('contractsUx.notifications.markAll')}</Button>}>
      {items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('contractsUx.notifications.empty')} />
      ) : (
        <List
          size="small"
          dataSource={items}
          renderItem={(n) => (
            <List.Item data-testid="notification-item" style={{ cursor: 'pointer' }} onClick={() => void go(n)}>
              <Space orientation="vertical" size={0}>
                <Typography.Text strong={!n.readAt}>{text(n)}</Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>{showDateTime(n.createdAt)}</Typography.Text>
              </Space>
            </List.Item>
          )}
        />
      )}
      <Link to="/tenant/notifications" onClick={() => setOpen(false)} data-testid="notifications-all">{t('contractsUx.notifications.viewAll')}</Link>
    </Card>
  );

  return (
    <Dropdown open={open} onOpenChange={(o) => void openList(o)} trigger={['click']} placement="bottomRight" popupRender={() => panel}>
      <Button type="text" aria-label={t('contractsUx.notifications.bell')} data-testid="notification-bell" style={{ color: '#fff' }}>
        <Badge count={unread} size="small" data-testid="notification-count">
          <BellOutlined style={{ color: '#fff', fontSize: 18 }} />
        </Badge>
      </Button>
    </Dropdown>
  );
}

/** All my notifications (latest 100), unread first in bold, with mark read / mark all read. */
export default function NotificationsPage() {
  const { t } = useTranslation();
  const text = useNotificationText();
  const [items, setItems] = useState<Notification[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => uxApi.notifications().then(setItems, setError), []);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <Card title={t('contractsUx.notifications.title')} loading={!items && !error}
      extra={<Button data-testid="notifications-page-read-all" onClick={() => uxApi.markAllRead().then(load, setError)}>{t('contractsUx.notifications.markAll')}</Button>}>
      <ProblemAlert error={error} />
      <List
        dataSource={items ?? []}
        locale={{ emptyText: t('contractsUx.notifications.empty') }}
        renderItem={(n) => (
          <List.Item
            data-testid="notification-row"
            actions={n.readAt ? [] : [<Button key="r" size="small" onClick={() => uxApi.markRead(n.id).then(load, setError)}>{t('contractsUx.notifications.markRead')}</Button>]}
          >
            <List.Item.Meta
              title={n.contractId ? <Link to={`/tenant/contracts/${n.contractId}`} onClick={() => { if (!n.readAt) void uxApi.markRead(n.id); }} style={{ fontWeight: n.readAt ? 'normal' : 600 }}>{text(n)}</Link> : text(n)}
              description={showDateTime(n.createdAt)}
            />
          </List.Item>
        )}
      />
    </Card>
  );
}
