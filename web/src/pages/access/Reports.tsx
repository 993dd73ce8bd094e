import { Button, Card, Form, Input, InputNumber, List, Select, Space, Table, Tag, Typography, message } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import { accessApi, type AccessAlert, type AuditSettings, type ReportListItem } from './accessApi';

const PERMISSIONS = [
  'contracts.view', 'contracts.download', 'contracts.create', 'contracts.edit', 'contracts.submit', 'contracts.delete_draft', 'templates.manage',
  'contracts.approve', 'contracts.sign', 'contracts.archive', 'analytics.view', 'api_keys.manage', 'users.manage', 'roles.manage', 'audit.view', 'security.manage',
  'billing.view', 'billing.pay', 'data.export', 'backups.manage', 'support.use',
];

export function ReportTable({ items, platform }: { items: ReportListItem[]; platform?: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <Table<ReportListItem>
      rowKey="id"
      dataSource={items}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      onRow={() => testId('report-row')}
      columns={[
        ...(platform ? [{ title: t('access.reports.tenant'), render: (_: unknown, r: ReportListItem) => r.tenantName }] : []),
        { title: t('access.reports.time'), render: (_, r) => fmt.dateTime(r.createdAt) },
        { title: t('access.reports.trigger'), render: (_, r) => <Tag>{t(`access.reports.triggers.${r.trigger}`)}</Tag> },
        { title: t('access.reports.denials'), render: (_, r) => r.summary.denials },
        { title: t('access.reports.sod'), render: (_, r) => r.summary.sodConflicts },
        { title: t('access.reports.unused'), render: (_, r) => r.summary.unusedGrants },
        { title: t('access.reports.dormant'), render: (_, r) => r.summary.dormant },
        { title: t('access.reports.admins'), render: (_, r) => <Tag color={r.summary.tooManyAdmins ? 'red' : 'green'}>{r.summary.admins}</Tag> },
        {
          title: '',
          render: (_, r) => (
            <Link to={platform ? `/platform/access/reports/${r.tenantId}/${r.id}` : `/tenant/access/reports/${r.id}`} data-testid="report-open">
              {t('access.reports.open')}
            </Link>
          ),
        },
      ]}
    />
  );
}

export function AlertList({ items, platform }: { items: AccessAlert[]; platform?: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <List
      size="small"
      dataSource={items}
      locale={{ emptyText: t('access.reports.empty') }}
      renderItem={(a) => (
        <List.Item data-testid="alert-row">
          <Space>
            <Typography.Text type="secondary">{fmt.dateTime(a.createdAt)}</Typography.Text>
            {platform && <Tag>{a.tenantName}</Tag>}
            {t('access.reports.alertText', { user: a.user ?? a.userId, count: a.count, minutes: a.windowMinutes })}
          </Space>
        </List.Item>
      )}
    />
  );
}

/** Tenant console: over-reach reports, alerts and audit settings. */
export default function Reports() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [items, setItems] = useState<ReportListItem[]>([]);
  const [alerts, setAlerts] = useState<AccessAlert[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [form] = Form.useForm<AuditSettings & { reason?: string }>();
  const load = useCallback(async () => {
    try {
      const [r, a, s] = await Promise.all([accessApi.reports(), accessApi.alerts(), accessApi.auditSettings()]);
      setItems(r.items);
      setAlerts(a.items);
      form.setFieldsValue(s);
    } catch (e) {
      setError(e);
    }
  }, [form]);
  useEffect(() => {
    void load();
  }, [load]);
  const run = async () => {
    setRunning(true);
    try {
      const r = await accessApi.runReport();
      message.success(t('access.reports.created'));
      navigate(`/tenant/access/reports/${r.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };
  const save = async (v: AuditSettings & { reason?: string }) => {
    try {
      setError(null);
      form.setFieldsValue({ ...(await accessApi.saveAuditSettings({ sodPairs: v.sodPairs ?? [], maxAdmins: v.maxAdmins, spikeThreshold: v.spikeThreshold, reason: v.reason || undefined })), reason: '' });
      message.success(t('access.reports.saved'));
    } catch (e) {
      setError(e);
    }
  };
  const permOptions = PERMISSIONS.map((p) => ({ value: p, label: t(`perms.${p}`, { defaultValue: p }) }));
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Card
        title={t('access.reports.title')}
        extra={<Button type="primary" loading={running} onClick={run} data-testid="report-run">{t('access.reports.run')}</Button>}
      >
        <ProblemAlert error={error} onClose={() => setError(null)} />
        <ReportTable items={items} />
      </Card>
      <Card title={t('access.reports.alerts')} size="small">
        <AlertList items={alerts} />
      </Card>
      <Card title={t('access.reports.settings')} size="small">
        <Form form={form} layout="vertical" onFinish={save} style={{ maxWidth: 640 }}>
          <Form.Item label={t('access.reports.sodPairs')}>
            <Form.List name="sodPairs">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((f) => (
                    <Space key={f.key} align="baseline">
                      <Form.Item name={[f.name, 0]} rules={[{ required: true }]}>
                        <Select style={{ width: 220 }} options={permOptions} showSearch />
                      </Form.Item>
                      <span>↔</span>
                      <Form.Item name={[f.name, 1]} rules={[{ required: true }]}>
                        <Select style={{ width: 220 }} options={permOptions} showSearch />
                      </Form.Item>
                      <MinusCircleOutlined onClick={() => remove(f.name)} />
                    </Space>
                  ))}
                  <Button type="dashed" icon={<PlusOutlined />} onClick={() => add(['contracts.create', 'contracts.approve'])}>{t('access.reports.addPair')}</Button>
                </>
              )}
            </Form.List>
          </Form.Item>
          <Form.Item name="maxAdmins" label={t('access.reports.maxAdmins')} rules={[{ required: true }]}>
            <InputNumber min={1} max={1000} />
          </Form.Item>
          <Form.Item name="spikeThreshold" label={t('access.reports.spikeThreshold')} rules={[{ required: true }]}>
            <InputNumber min={2} max={10000} />
          </Form.Item>
          <Form.Item name="reason" label={t('access.reason.label')} rules={[{ max: 500 }]}>
            <Input.TextArea rows={2} maxLength={500} placeholder={t('access.reason.placeholder')} />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="audit-settings-save">{t('access.reports.save')}</Button>
        </Form>
      </Card>
    </Space>
  );
}
