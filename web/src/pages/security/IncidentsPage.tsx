import { Button, Card, Descriptions, Drawer, Form, Input, Select, Space, Table, Tag, Timeline, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';
import type { AlertItem } from './AuditAlertsPage';
import { showDateTime } from '../../format';

interface Incident {
  id: string;
  title: string;
  description: string;
  severity: string;
  status: string;
  detectedAt: string;
  regulator: { required: boolean; deadline: string | null; reportedAt: string | null; reference: string | null; secondsLeft: number | null; overdue: boolean };
  timeline?: Array<{ at: string; kind: string; text: string; actor: string | null }>;
}
const SEVERITIES = ['general', 'major', 'serious', 'critical'];
const STATUSES = ['open', 'contained', 'resolved', 'closed'];

/** Platform security officers: alerts of every tenant and the incident register. */
export default function IncidentsPage() {
  const { t } = useTranslation();
  const [alerts, setAlerts] = useState<AlertItem[]>([]);
  const [incidents, setIncidents] = useState<Incident[]>([]);
  const [open, setOpen] = useState<Incident | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [, setTick] = useState(0);

  const load = useCallback(async () => {
    try {
      setAlerts((await api.get<{ items: AlertItem[] }>('/platform/security/alerts', { query: { status: 'escalated' } })).items.concat((await api.get<{ items: AlertItem[] }>('/platform/security/alerts', { query: { status: 'open' } })).items));
      setIncidents((await api.get<{ items: Incident[] }>('/platform/security/incidents')).items);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    const h = setInterval(() => setTick((x) => x + 1), 30_000);
    return () => clearInterval(h);
  }, []);

  const refreshOpen = async (id: string) => setOpen(await api.get<Incident>(`/platform/security/incidents/${id}`));
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await load();
      if (open) await refreshOpen(open.id);
    } catch (e) {
      setError(e);
    }
  };
  const deadline = (i: Incident) => {
    if (!i.regulator.required) return <Tag>{t('security.incidents.notRequired')}</Tag>;
    if (i.regulator.reportedAt) return <Tag color="green">{t('security.incidents.reported', { ref: i.regulator.reference })}</Tag>;
    const left = Math.round((new Date(i.regulator.deadline!).getTime() - Date.now()) / 1000);
    if (left <= 0) return <Tag color="red">{t('security.incidents.overdue')}</Tag>;
    return <Tag color={left < 3600 ? 'red' : 'orange'} data-testid="incident-countdown">{t('security.incidents.left', { h: Math.floor(left / 3600), m: Math.floor((left % 3600) / 60) })}</Tag>;
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('security.incidents.title')}</Typography.Title>
      {error ? <ProblemAlert error={error} extraErrors={[]} onClose={() => setError(null)} /> : null}
      <Card title={t('security.audit.alerts')}>
        <Table<AlertItem>
          rowKey="id"
          dataSource={alerts}
          pagination={{ pageSize: 10 }}
          columns={[
            { title: t('security.audit.rule'), dataIndex: 'rule', render: (r: string) => t(`security.rules.${r}`) },
            { title: t('security.incidents.tenant'), dataIndex: 'tenantId', render: (v: string | null) => v ?? t('security.incidents.platform') },
            { title: t('security.audit.actor'), render: (_, a) => a.actor.label ?? a.actor.id ?? '—' },
            { title: t('security.audit.status'), dataIndex: 'status', render: (s: string) => t(`security.alertStatus.${s}`) },
            { title: t('security.audit.time'), dataIndex: 'createdAt', render: (v: string) => showDateTime(v) },
            {
              title: '',
              render: (_, a) => (
                <Space>
                  <Button size="small" onClick={() => void run(() => api.post(`/platform/security/alerts/${a.tenantId ?? '00000000-0000-0000-0000-000000000000'}/${a.id}/acknowledge`, {}))}>{t('security.audit.acknowledge')}</Button>
                  <Button size="small" onClick={() => void run(() => api.post(`/platform/security/alerts/${a.tenantId ?? '00000000-0000-0000-0000-000000000000'}/${a.id}/dismiss`, {}))}>{t('security.audit.dismiss')}</Button>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <Card title={t('security.incidents.create')}>
        <Form layout="inline" onFinish={(v: { title: string; severity: string; description?: string }) => void run(() => api.post('/platform/security/incidents', v))} style={{ rowGap: 8 }}>
          <Form.Item name="title" rules={[{ required: true, message: t('security.incidents.name') }]}>
            <Input placeholder={t('security.incidents.name')} style={{ width: 260 }} data-testid="incident-title" />
          </Form.Item>
          <Form.Item name="severity" initialValue="general">
            <Select style={{ width: 140 }} options={SEVERITIES.map((s) => ({ value: s, label: t(`security.severity.${s}`) }))} />
          </Form.Item>
          <Form.Item name="description">
            <Input placeholder={t('security.incidents.description')} style={{ width: 320 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="incident-create">{t('security.incidents.create')}</Button>
        </Form>
      </Card>
      <Card title={t('security.incidents.title')}>
        <Table<Incident>
          rowKey="id"
          dataSource={incidents}
          onRow={(i) => ({ onClick: () => void refreshOpen(i.id), style: { cursor: 'pointer' } })}
          columns={[
            { title: t('security.incidents.name'), dataIndex: 'title' },
            { title: t('security.incidents.severity'), dataIndex: 'severity', render: (s: string) => <Tag color={s === 'general' ? 'blue' : 'red'}>{t(`security.severity.${s}`)}</Tag> },
            { title: t('security.incidents.status'), dataIndex: 'status', render: (s: string) => t(`security.incidents.statuses.${s}`) },
            { title: t('security.incidents.deadline'), render: (_, i) => deadline(i) },
            { title: t('security.audit.time'), dataIndex: 'detectedAt', render: (v: string) => showDateTime(v) },
          ]}
        />
      </Card>
      <Drawer open={!!open} width={640} onClose={() => setOpen(null)} title={open?.title}>
        {open ? (
          <Space direction="vertical" style={{ width: '100%' }} size="large">
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={t('security.incidents.severity')}>
                <Select value={open.severity} style={{ width: 160 }} onChange={(severity) => void run(() => api.post(`/platform/security/incidents/${open.id}/events`, { kind: 'severity', severity }))} options={SEVERITIES.map((s) => ({ value: s, label: t(`security.severity.${s}`) }))} />
              </Descriptions.Item>
              <Descriptions.Item label={t('security.incidents.status')}>
                <Select value={open.status} style={{ width: 160 }} onChange={(status) => void run(() => api.post(`/platform/security/incidents/${open.id}/events`, { kind: 'status', status }))} options={STATUSES.map((s) => ({ value: s, label: t(`security.incidents.statuses.${s}`) }))} />
              </Descriptions.Item>
              <Descriptions.Item label={t('security.incidents.deadline')}>{deadline(open)}</Descriptions.Item>
              <Descriptions.Item label={t('security.incidents.description')}>{open.description || '—'}</Descriptions.Item>
            </Descriptions>
            <Form layout="inline" onFinish={(v: { kind: string; text: string }) => void run(() => api.post(`/platform/security/incidents/${open.id}/events`, v))}>
              <Form.Item name="kind" initialValue="containment">
                <Select style={{ width: 140 }} options={[{ value: 'containment', label: t('security.incidents.containment') }, { value: 'note', label: t('security.incidents.note') }]} />
              </Form.Item>
              <Form.Item name="text" rules={[{ required: true, message: t('security.incidents.note') }]}>
                <Input style={{ width: 300 }} />
              </Form.Item>
              <Button htmlType="submit">{t('security.incidents.add')}</Button>
            </Form>
            {open.regulator.required && !open.regulator.reportedAt ? (
              <Form layout="inline" onFinish={(v: { reference: string }) => void run(() => api.post(`/platform/security/incidents/${open.id}/events`, { kind: 'regulator_reported', reference: v.reference }))}>
                <Form.Item name="reference" rules={[{ required: true, message: t('security.incidents.reference') }]}>
                  <Input placeholder={t('security.incidents.reference')} style={{ width: 300 }} />
                </Form.Item>
                <Button htmlType="submit">{t('security.incidents.report')}</Button>
              </Form>
            ) : null}
            <Form layout="vertical" onFinish={(v: { tenantIds: string; message: string }) => void run(() => api.post(`/platform/security/incidents/${open.id}/notify`, { tenantIds: v.tenantIds.split(/\s+/).filter(Boolean), message: v.message }))}>
              <Form.Item name="tenantIds" label={t('security.incidents.tenantIds')} rules={[{ required: true, message: t('security.incidents.tenantIds') }]}>
                <Input.TextArea rows={2} />
              </Form.Item>
              <Form.Item name="message" label={t('security.incidents.message')} rules={[{ required: true, message: t('security.incidents.message') }]}>
                <Input.TextArea rows={3} />
              </Form.Item>
              <Button htmlType="submit">{t('security.incidents.notify')}</Button>
            </Form>
            <Typography.Title level={5}>{t('security.incidents.timeline')}</Typography.Title>
            <Timeline items={(open.timeline ?? []).map((e) => ({ children: `${showDateTime(e.at)} · ${e.kind} · ${e.text}${e.actor ? ` · ${e.actor}` : ''}` }))} />
          </Space>
        ) : null}
      </Drawer>
    </Space>
  );
}
