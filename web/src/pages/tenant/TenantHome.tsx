import { Card, Col, Descriptions, Empty, Row, Space, Tag, Typography } from 'antd';
import { SmileOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../auth';

const TENANT_STATUS_COLORS: Record<string, string> = { active: 'success', restricted: 'warning', suspended: 'error', terminated: 'default' };

export default function TenantHome() {
  const { t, i18n } = useTranslation();
  const { me } = useAuth();
  if (!me) return null;
  const { user, tenant } = me;
  const tr = (prefix: string, value: string) => (i18n.exists(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="tenant-home">
      <Card
        style={{ background: 'linear-gradient(120deg, #1f4e9c 0%, #3b7bd6 100%)', border: 'none' }}
        styles={{ body: { padding: 28 } }}
      >
        <Space align="start" size="large">
          <SmileOutlined style={{ fontSize: 36, color: '#fff' }} />
          <div>
            <Typography.Title level={3} style={{ color: '#fff', margin: 0 }}>
              {t('tenant.welcome', { name: user.name || user.email })}
            </Typography.Title>
            <Typography.Paragraph style={{ color: 'rgba(255,255,255,.85)', margin: '8px 0 0' }}>
              {tenant ? t('tenant.welcomeText', { tenant: tenant.name }) : t('tenant.noTenant')}
            </Typography.Paragraph>
          </div>
        </Space>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Card title={t('tenant.organization')} style={{ height: '100%' }}>
            {tenant ? (
              <Descriptions
                column={1}
                size="small"
                items={[
                  {
                    key: 'name',
                    label: t('tenant.name'),
                    children: <span data-testid="tenant-name">{tenant.name}</span>,
                  },
                  {
                    key: 'uscc',
                    label: t('fields.uscc'),
                    children: <Typography.Text code data-testid="tenant-uscc">{tenant.uscc}</Typography.Text>,
                  },
                  {
                    key: 'status',
                    label: t('fields.status'),
                    children: (
                      <Tag color={TENANT_STATUS_COLORS[tenant.status] ?? 'default'} data-testid="tenant-status">
                        {tr('tenantStatus', tenant.status)}
                      </Tag>
                    ),
                  },
                  { key: 'plan', label: t('tenant.plan'), children: <span data-testid="tenant-plan">{tr('plan', tenant.plan)}</span> },
                  { key: 'timeZone', label: t('tenant.timeZone'), children: <span data-testid="tenant-timezone">{tenant.timeZone}</span> },
                ]}
              />
            ) : (
              <Empty description={t('tenant.noTenant')} />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card title={t('tenant.you')} style={{ height: '100%' }}>
            <Descriptions
              column={1}
              size="small"
              items={[
                { key: 'name', label: t('tenant.userName'), children: <span data-testid="user-name">{user.name || '—'}</span> },
                { key: 'email', label: t('login.email'), children: <span data-testid="user-email">{user.email}</span> },
                {
                  key: 'roles',
                  label: t('tenant.roles'),
                  children:
                    user.roles.length > 0 ? (
                      <Space wrap size={[4, 4]}>
                        {user.roles.map((role) => (
                          <Tag key={role} color="blue">
                            {tr('roles', role)}
                          </Tag>
                        ))}
                      </Space>
                    ) : (
                      '—'
                    ),
                },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
