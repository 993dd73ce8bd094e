import { Button, Card, Checkbox, Descriptions, Form, Input, InputNumber, Select, Space, Table, Tag, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { LEVELS, MODULES, accessApi, type Role, type TenantAccess } from '../access/accessApi';

export default function TenantAccessDetail() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const [data, setData] = useState<TenantAccess | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [entForm] = Form.useForm<{ modules: string[]; seatLimit: number; tier: string; reason: string }>();
  const [stateForm] = Form.useForm<{ status: string; reason: string }>();
  const load = useCallback(async () => {
    try {
      const d = await accessApi.tenantAccess(id);
      setData(d);
      entForm.setFieldsValue({ modules: d.entitlements.modules, seatLimit: d.entitlements.seatLimit, tier: d.entitlements.tier, reason: '' });
      stateForm.setFieldsValue({ status: d.tenant.status, reason: '' });
    } catch (e) {
      setError(e);
    }
  }, [id, entForm, stateForm]);
  useEffect(() => {
    void load();
  }, [load]);
  const run = async (fn: () => Promise<unknown>) => {
    try {
      setError(null);
      await fn();
      message.success(t('access.tenants.saved'));
      await load();
    } catch (e) {
      setError(e);
    }
  };
  if (!data) return <ProblemAlert error={error} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <Card title={data.tenant.name}>
        <Descriptions column={2}>
          <Descriptions.Item label={t('access.tenants.status')}><Tag>{t(`access.tenantStatus.${data.tenant.status}`)}</Tag></Descriptions.Item>
          <Descriptions.Item label={t('access.tenants.seatsUsed')}>{data.seatsUsed} / {data.entitlements.seatLimit}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={t('access.tenants.entitlements')}>
        <Form form={entForm} layout="vertical" style={{ maxWidth: 640 }} onFinish={(v) => run(() => accessApi.setEntitlements(id, v))}>
          <Form.Item name="modules" label={t('access.tenants.modules')}>
            <Checkbox.Group options={MODULES.map((m) => ({ value: m, label: t(`access.module.${m}`) }))} />
          </Form.Item>
          <Space>
            <Form.Item name="seatLimit" label={t('access.tenants.seatLimit')} rules={[{ required: true }]}>
              <InputNumber min={1} max={100000} data-testid="seat-limit" />
            </Form.Item>
            <Form.Item name="tier" label={t('access.tenants.tier')} rules={[{ required: true }]}>
              <Select style={{ width: 200 }} options={LEVELS.map((l) => ({ value: l, label: t(`access.level.${l}`) }))} />
            </Form.Item>
          </Space>
          <Form.Item name="reason" label={t('access.tenants.reason')} rules={[{ required: true, max: 2000 }]}>
            <Input.TextArea rows={2} data-testid="entitlements-reason" />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="entitlements-save">{t('access.tenants.save')}</Button>
        </Form>
      </Card>
      <Card title={t('access.tenants.state')}>
        <Typography.Paragraph type="secondary">{t('access.tenants.stateHelp')}</Typography.Paragraph>
        <Form form={stateForm} layout="inline" onFinish={(v) => run(() => accessApi.setStatus(id, v))}>
          <Form.Item name="status">
            <Select style={{ width: 200 }} data-testid="tenant-state" options={['active', 'restricted', 'suspended', 'terminated'].map((s) => ({ value: s, label: t(`access.tenantStatus.${s}`) }))} />
          </Form.Item>
          <Form.Item name="reason" rules={[{ required: true, max: 2000 }]}>
            <Input placeholder={t('access.tenants.reason')} style={{ width: 280 }} />
          </Form.Item>
          <Button htmlType="submit" danger data-testid="tenant-state-save">{t('access.tenants.setState')}</Button>
        </Form>
      </Card>
      <Card title={t('access.roles.title')}>
        <Table<Role>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={data.roles}
          columns={[
            { title: t('access.roles.name'), render: (_, r) => (r.builtin ? t(`roles.${r.key}`, { defaultValue: r.name }) : r.name) },
            { title: t('access.roles.permissions'), render: (_, r) => <span style={{ fontSize: 12 }}>{r.permissions.map((k) => t(`perms.${k}`, { defaultValue: k })).join(i18n.language === 'en' ? ', ' : '、')}</span> },
            { title: t('access.roles.users'), dataIndex: 'userCount' },
          ]}
        />
      </Card>
    </Space>
  );
}
