import { Button, Card, Form, Input, InputNumber, Select, Table, Tag, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { useFormat } from '../../format';
import { LEVELS, MODULES, accessApi, type AccessMe, type PermissionRequest } from './accessApi';

export function requestTarget(r: PermissionRequest, t: (k: string) => string): string {
  if (r.type === 'module') return t(`access.module.${r.module}`);
  if (r.type === 'tier') return t(`access.level.${r.tier}`);
  return String(r.seats);
}

export default function Requests() {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const [items, setItems] = useState<PermissionRequest[]>([]);
  const [me, setMe] = useState<AccessMe | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ type: string; module?: string; tier?: string; seats?: number; reason: string }>();
  const type = Form.useWatch('type', form);
  const load = useCallback(async () => {
    try {
      const [r, m] = await Promise.all([accessApi.requests(), accessApi.me()]);
      setItems(r.items);
      setMe(m);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const submit = async (v: { type: string; module?: string; tier?: string; seats?: number; reason: string }) => {
    try {
      setError(null);
      await accessApi.createRequest(v);
      message.success(t('access.requests.submitted'));
      form.resetFields();
      setOpen(false);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title={t('access.requests.title')} extra={<Button type="primary" data-testid="request-change" onClick={() => setOpen(true)}>{t('access.requests.create')}</Button>}>
      {me && (
        <Typography.Paragraph type="secondary">
          {t('access.requests.current', { modules: me.entitlements.modules.map((m) => t(`access.module.${m}`)).join(i18n.language === 'en' ? ', ' : '、') || '—', seats: me.entitlements.seatLimit, tier: t(`access.level.${me.entitlements.tier}`) })}
        </Typography.Paragraph>
      )}
      <ProblemAlert error={error} onClose={() => setError(null)} />
      {open && (
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ type: 'module' }} style={{ maxWidth: 520 }}>
        <Form.Item name="type" label={t('access.requests.type')}>
          <Select data-testid="request-type" options={['module', 'tier', 'seats'].map((x) => ({ value: x, label: t(`access.requestType.${x}`) }))} />
        </Form.Item>
        {type === 'module' && (
          <Form.Item name="module" label={t('access.requests.module')} rules={[{ required: true }]}>
            <Select options={MODULES.filter((m) => !me?.entitlements.modules.includes(m)).map((m) => ({ value: m, label: t(`access.module.${m}`) }))} />
          </Form.Item>
        )}
        {type === 'tier' && (
          <Form.Item name="tier" label={t('access.requests.tier')} rules={[{ required: true }]}>
            <Select data-testid="request-tier" options={LEVELS.map((l) => ({ value: l, label: t(`access.level.${l}`) }))} />
          </Form.Item>
        )}
        {type === 'seats' && (
          <Form.Item name="seats" label={t('access.requests.seats')} rules={[{ required: true }]}>
            <InputNumber min={1} max={100000} />
          </Form.Item>
        )}
        <Form.Item name="reason" label={t('access.requests.reason')} rules={[{ required: true, max: 2000 }]}>
          <Input.TextArea rows={3} data-testid="request-reason" />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="request-submit">{t('access.requests.create')}</Button>
      </Form>
      )}
      <Table<PermissionRequest>
        style={{ marginTop: 24 }}
        rowKey="id"
        dataSource={items}
        pagination={false}
        columns={[
          { title: t('access.requests.requestedAt'), render: (_, r) => fmt.dateTime(r.requestedAt) },
          { title: t('access.requests.type'), render: (_, r) => t(`access.requestType.${r.type}`) },
          { title: '', render: (_, r) => requestTarget(r, t) },
          { title: t('access.requests.reason'), dataIndex: 'reason' },
          { title: t('access.requests.status'), render: (_, r) => <Tag>{t(`access.requestStatus.${r.status}`)}</Tag> },
          { title: t('access.requests.comment'), render: (_, r) => r.comment ?? '' },
        ]}
      />
    </Card>
  );
}
