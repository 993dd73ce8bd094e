import { Alert, Button, Card, DatePicker, Form, Input, Modal, Select, Space, Table, Tag, Typography, message } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { applyFieldErrors } from '../../api';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import { accessApi, type ApiKey, type ApiKeyRole } from './accessApi';

const COLORS: Record<ApiKey['status'], string> = { active: 'green', expired: 'default', revoked: 'red', role_removed: 'orange' };

interface CreateForm {
  name: string;
  roleId: string;
  expiresAt?: Dayjs | null;
  reason?: string;
}

/** API keys of the tenant (api_keys.manage): list, create (token shown once), revoke with a reason. */
export default function ApiKeys() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [items, setItems] = useState<ApiKey[]>([]);
  const [roles, setRoles] = useState<ApiKeyRole[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [formError, setFormError] = useState<unknown>(null);
  const [token, setToken] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [reason, setReason] = useState('');
  const [form] = Form.useForm<CreateForm>();

  const load = useCallback(async () => {
    try {
      const r = await accessApi.apiKeys();
      setItems(r.items);
      setRoles(r.roles);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const roleLabel = (r: { key: string | null; name: string | null; builtin?: boolean }) =>
    r.key && (r.builtin ?? !r.key.startsWith('custom_')) ? t(`roles.${r.key}`, { defaultValue: r.name ?? r.key }) : (r.name ?? '—');

  const submit = async (v: CreateForm) => {
    try {
      setFormError(null);
      const res = await accessApi.createApiKey({ name: v.name, roleId: v.roleId, expiresAt: v.expiresAt ? v.expiresAt.endOf('day').toISOString() : null, reason: v.reason?.trim() || undefined });
      setCreating(false);
      form.resetFields();
      setToken({ name: res.key.name, token: res.token });
      await load();
    } catch (e) {
      applyFieldErrors(form, e, ['name', 'roleId', 'expiresAt', 'reason']);
      setFormError(e);
    }
  };

  const revoke = async () => {
    if (!revoking) return;
    try {
      setError(null);
      await accessApi.revokeApiKey(revoking.id, reason.trim());
      message.success(t('access.apiKeys.revoked'));
      setRevoking(null);
      setReason('');
      await load();
    } catch (e) {
      setRevoking(null);
      setError(e);
    }
  };

  const copy = async () => {
    if (!token) return;
    try {
      await navigator.clipboard.writeText(token.token);
      message.success(t('access.apiKeys.copied'));
    } catch {
      // Clipboard unavailable (e.g. plain http): the key stays selectable in the box.
    }
  };

  return (
    <Card
      title={t('access.apiKeys.title')}
      extra={
        <Button type="primary" data-testid="create-api-key" onClick={() => { setFormError(null); form.resetFields(); setCreating(true); }}>
          {t('access.apiKeys.create')}
        </Button>
      }
    >
      <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('access.apiKeys.intro')} />
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <Table<ApiKey>
        rowKey="id"
        dataSource={items}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(r) => ({ ...testId('api-key-row'), 'data-name': r.name }) as object}
        columns={[
          { title: t('access.apiKeys.name'), dataIndex: 'name' },
          { title: t('access.apiKeys.role'), render: (_, r) => roleLabel({ key: r.roleKey, name: r.roleName }) },
          { title: t('access.apiKeys.prefix'), render: (_, r) => <Typography.Text code style={{ whiteSpace: 'nowrap' }}>{r.prefix}</Typography.Text> },
          { title: t('access.apiKeys.createdAt'), render: (_, r) => <span>{fmt.dateTime(r.createdAt)}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.createdBy.label}</Typography.Text></span> },
          { title: t('access.apiKeys.expiresAt'), render: (_, r) => (r.expiresAt ? fmt.dateTime(r.expiresAt) : t('access.apiKeys.never')) },
          {
            title: t('access.apiKeys.lastUsed'),
            render: (_, r) =>
              r.lastUsedAt ? (
                <span data-testid="api-key-last-used">{fmt.dateTime(r.lastUsedAt)}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.lastUsedIp}</Typography.Text></span>
              ) : (
                <Typography.Text type="secondary">{t('access.apiKeys.unused')}</Typography.Text>
              ),
          },
          {
            title: t('access.apiKeys.status'),
            render: (_, r) => (
              <Space direction="vertical" size={0}>
                <Tag color={COLORS[r.status]} data-testid="api-key-status">{t(`access.apiKeys.statuses.${r.status}`)}</Tag>
                {r.status === 'revoked' && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('access.apiKeys.revokedBy', { by: r.revokedBy ?? '—', reason: r.revokeReason || '—' })}</Typography.Text>
                )}
              </Space>
            ),
          },
          {
            title: '',
            render: (_, r) =>
              r.status !== 'revoked' ? (
                <Button size="small" danger data-testid="api-key-revoke" onClick={() => { setReason(''); setRevoking(r); }}>{t('access.apiKeys.revoke')}</Button>
              ) : null,
          },
        ]}
      />

      <Modal
        open={creating}
        title={t('access.apiKeys.create')}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        okButtonProps={{ ...testId('api-key-submit') }}
        destroyOnHidden
      >
        <ProblemAlert error={formError} onClose={() => setFormError(null)} />
        <Form form={form} layout="vertical" onFinish={submit}>
          <Form.Item name="name" label={t('access.apiKeys.name')} rules={[{ required: true, max: 80 }]}>
            <Input data-testid="api-key-name" placeholder={t('access.apiKeys.namePlaceholder')} autoComplete="off" />
          </Form.Item>
          <Form.Item name="roleId" label={t('access.apiKeys.role')} rules={[{ required: true }]} extra={t('access.apiKeys.roleHelp')}>
            <Select
              data-testid="api-key-role"
              options={roles.map((r) => ({
                value: r.id,
                disabled: !r.assignable,
                label: `${roleLabel(r)}${r.assignable ? '' : ` ${t('access.apiKeys.notAssignable')}`}`,
              }))}
            />
          </Form.Item>
          <Form.Item name="expiresAt" label={t('access.apiKeys.expiresAt')} extra={t('access.apiKeys.expiryHelp')}>
            <DatePicker style={{ width: '100%' }} data-testid="api-key-expiry" disabledDate={(d) => d.isBefore(dayjs(), 'day')} />
          </Form.Item>
          <Form.Item name="reason" label={t('access.apiKeys.reason')} rules={[{ max: 500 }]}>
            <Input.TextArea data-testid="api-key-reason" rows={2} placeholder={t('access.apiKeys.reasonPlaceholder')} />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        open={!!token}
        title={t('access.apiKeys.tokenTitle')}
        closable={false}
        maskClosable={false}
        destroyOnHidden
        onCancel={() => setToken(null)}
        footer={[
          <Button key="copy" onClick={() => void copy()} data-testid="api-key-copy">{t('access.apiKeys.copy')}</Button>,
          <Button key="done" type="primary" onClick={() => setToken(null)} data-testid="api-key-token-done">{t('access.apiKeys.done')}</Button>,
        ]}
      >
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('access.apiKeys.tokenWarning')} />
        <Typography.Paragraph strong>{token?.name}</Typography.Paragraph>
        <Typography.Paragraph code copyable={{ text: token?.token ?? '' }} style={{ wordBreak: 'break-all' }} data-testid="api-key-token">
          {token?.token}
        </Typography.Paragraph>
      </Modal>

      <Modal
        open={!!revoking}
        title={t('access.apiKeys.revokeTitle', { name: revoking?.name ?? '' })}
        onCancel={() => setRevoking(null)}
        onOk={() => void revoke()}
        okText={t('access.apiKeys.revoke')}
        okButtonProps={{ danger: true, ...testId('api-key-revoke-confirm') }}
        destroyOnHidden
      >
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('access.apiKeys.revokeWarning')} />
        <Input.TextArea data-testid="api-key-revoke-reason" rows={3} maxLength={500} placeholder={t('access.apiKeys.revokeReason')} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </Card>
  );
}
