import { Alert, Button, Card, Descriptions, Drawer, Form, Input, Modal, Radio, Select, Space, Table, Tag, Timeline, Typography } from 'antd';
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
  resolution: string | null;
  resolutionMinutes: number | null;
  postmortem: { rootCause: string | null; impact: string | null; lessons: string | null; actions: string | null };
  postmortemRequired: boolean;
  affectedTenants?: Array<{ tenantId: string; name: string; status: string }>;
  timeline?: Array<{ at: string; kind: string; text: string; actor: string | null }>;
}
interface TenantOption {
  id: string;
  name: string;
  status: string;
}
const SEVERITIES = ['general', 'major', 'serious', 'critical'];
const STATUSES = ['open', 'contained', 'resolved', 'closed'];
const CONTAIN_ACTIONS = ['lock_user', 'unlock_user', 'revoke_sessions', 'revoke_api_key', 'tenant_read_only', 'tenant_restore'] as const;
const NEEDS_USER = new Set(['lock_user', 'unlock_user']);
const PLATFORM_CHAIN = '00000000-0000-0000-0000-000000000000';

/** Platform security officers: alerts of every tenant and the incident register with containment. */
export default function IncidentsPage() {
  const { t } = useTranslation();
  const [alerts, setAlerts] = useState<AlertItem[]>([]);
  const [incidents, setIncidents] = useState<Incident[]>([]);
  const [tenants, setTenants] = useState<TenantOption[]>([]);
  const [open, setOpen] = useState<Incident | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dismissing, setDismissing] = useState<AlertItem | null>(null);
  const [escalating, setEscalating] = useState<AlertItem | null>(null);
  const [, setTick] = useState(0);

  const load = useCallback(async () => {
    try {
      setAlerts((await api.get<{ items: AlertItem[] }>('/platform/security/alerts', { query: { status: 'escalated' } })).items.concat((await api.get<{ items: AlertItem[] }>('/platform/security/alerts', { query: { status: 'open' } })).items));
      setIncidents((await api.get<{ items: Incident[] }>('/platform/security/incidents')).items);
      setTenants((await api.get<{ items: TenantOption[] }>('/platform/security/tenants')).items);
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
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    try {
      await fn();
      await load();
      if (open) await refreshOpen(open.id);
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const alertUrl = (a: AlertItem, action: string) => `/platform/security/alerts/${a.tenantId ?? PLATFORM_CHAIN}/${a.id}/${action}`;
  const tenantOptions = tenants.map((x) => ({ value: x.id, label: x.name }));
  const deadline = (i: Incident) => {
    if (!i.regulator.required) return <Tag>{t('security.incidents.notRequired')}</Tag>;
    if (i.regulator.reportedAt) return <Tag color="green">{t('security.incidents.reported', { ref: i.regulator.reference })}</Tag>;
    const left = Math.round((new Date(i.regulator.deadline!).getTime() - Date.now()) / 1000);
    if (left <= 0) return <Tag color="red">{t('security.incidents.overdue')}</Tag>;
    return <Tag color={left < 3600 ? 'red' : 'orange'} data-testid="incident-countdown">{t('security.incidents.left', { h: Math.floor(left / 3600), m: Math.floor((left % 3600) / 60) })}</Tag>;
  };
  const post = (path: string, body: unknown) => api.post(`/platform/security/incidents/${open!.id}${path}`, body);

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('security.incidents.title')}</Typography.Title>
      {error ? <ProblemAlert error={error} onClose={() => setError(null)} /> : null}
      <Card title={t('security.audit.alerts')}>
        <Table<AlertItem>
          rowKey="id"
          dataSource={alerts}
          pagination={{ pageSize: 10 }}
          columns={[
            { title: t('security.audit.rule'), dataIndex: 'rule', render: (r: string) => t(`security.rules.${r}`) },
            { title: t('security.incidents.tenant'), dataIndex: 'tenantId', render: (v: string | null) => (v ? (tenants.find((x) => x.id === v)?.name ?? v) : t('security.incidents.platform')) },
            { title: t('security.audit.actor'), render: (_, a) => a.actor.label ?? a.actor.id ?? '—' },
            { title: t('security.audit.status'), dataIndex: 'status', render: (s: string) => t(`security.alertStatus.${s}`) },
            { title: t('security.audit.time'), dataIndex: 'createdAt', render: (v: string) => showDateTime(v) },
            {
              title: '',
              render: (_, a) => (
                <Space>
                  {a.status === 'open' ? <Button size="small" onClick={() => void run(() => api.post(alertUrl(a, 'acknowledge'), {}))}>{t('security.audit.acknowledge')}</Button> : null}
                  {a.status !== 'dismissed' ? <Button size="small" onClick={() => setDismissing(a)}>{t('security.audit.dismiss')}</Button> : null}
                  <Button size="small" danger onClick={() => setEscalating(a)} data-testid="alert-escalate">{t('security.audit.escalate')}</Button>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <DismissModal alert={dismissing} onClose={() => setDismissing(null)} onSubmit={(note) => run(() => api.post(alertUrl(dismissing!, 'dismiss'), { note }))} />
      <Modal open={!!escalating} title={t('security.ops.escalateTitle')} footer={null} onCancel={() => setEscalating(null)} destroyOnHidden>
        {escalating ? (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Typography.Text>{t('security.ops.existing')}</Typography.Text>
            <Select
              style={{ width: '100%' }}
              placeholder={t('security.incidents.name')}
              options={incidents.filter((i) => i.status !== 'closed').map((i) => ({ value: i.id, label: `${i.title} · ${t(`security.severity.${i.severity}`)}` }))}
              onChange={async (incidentId: string) => {
                if (await run(() => api.post(alertUrl(escalating, 'escalate'), { incidentId }))) setEscalating(null);
              }}
            />
            <Typography.Text>{t('security.ops.orNew')}</Typography.Text>
            <Form
              layout="vertical"
              initialValues={{ title: `${t(`security.rules.${escalating.rule}`)} · ${escalating.actor.label ?? ''}`, severity: 'general' }}
              onFinish={async (v: { title: string; severity: string }) => {
                const ok = await run(async () => {
                  const inc = await api.post<Incident>('/platform/security/incidents', { ...v, tenantIds: escalating.tenantId ? [escalating.tenantId] : [] });
                  await api.post(alertUrl(escalating, 'escalate'), { incidentId: inc.id });
                });
                if (ok) setEscalating(null);
              }}
            >
              <Form.Item name="title" rules={[{ required: true, message: t('security.incidents.name') }]}>
                <Input />
              </Form.Item>
              <Form.Item name="severity">
                <Select options={SEVERITIES.map((s) => ({ value: s, label: t(`security.severity.${s}`) }))} />
              </Form.Item>
              <Button type="primary" htmlType="submit">{t('security.incidents.create')}</Button>
            </Form>
          </Space>
        ) : null}
      </Modal>
      <Card title={t('security.incidents.create')}>
        <Form layout="inline" onFinish={(v: { title: string; severity: string; description?: string; tenantIds?: string[] }) => void run(() => api.post('/platform/security/incidents', v))} style={{ rowGap: 8 }}>
          <Form.Item name="title" rules={[{ required: true, message: t('security.incidents.name') }]}>
            <Input placeholder={t('security.incidents.name')} style={{ width: 260 }} data-testid="incident-title" />
          </Form.Item>
          <Form.Item name="severity" initialValue="general">
            <Select style={{ width: 140 }} options={SEVERITIES.map((s) => ({ value: s, label: t(`security.severity.${s}`) }))} />
          </Form.Item>
          <Form.Item name="tenantIds">
            <Select mode="multiple" allowClear showSearch optionFilterProp="label" placeholder={t('security.ops.affected')} style={{ minWidth: 220 }} options={tenantOptions} data-testid="incident-tenants" />
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
      <Drawer open={!!open} width={720} onClose={() => setOpen(null)} title={open?.title}>
        {open ? (
          <Space direction="vertical" style={{ width: '100%' }} size="large">
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={t('security.incidents.severity')}>
                <Select value={open.severity} style={{ width: 160 }} onChange={(severity) => void run(() => post('/events', { kind: 'severity', severity }))} options={SEVERITIES.map((s) => ({ value: s, label: t(`security.severity.${s}`) }))} />
              </Descriptions.Item>
              <Descriptions.Item label={t('security.incidents.status')}>
                <Select value={open.status} style={{ width: 160 }} onChange={(status) => void run(() => post('/events', { kind: 'status', status }))} options={STATUSES.map((s) => ({ value: s, label: t(`security.incidents.statuses.${s}`) }))} data-testid="incident-status" />
              </Descriptions.Item>
              <Descriptions.Item label={t('security.incidents.deadline')}>{deadline(open)}</Descriptions.Item>
              <Descriptions.Item label={t('security.ops.resolutionTime')}>{open.resolutionMinutes === null ? '—' : t('security.ops.minutes', { n: open.resolutionMinutes })}</Descriptions.Item>
              <Descriptions.Item label={t('security.incidents.description')}>{open.description || '—'}</Descriptions.Item>
              <Descriptions.Item label={t('security.ops.affected')}>
                <Select
                  mode="multiple"
                  showSearch
                  optionFilterProp="label"
                  style={{ width: '100%' }}
                  placeholder={t('security.ops.pickTenants')}
                  value={(open.affectedTenants ?? []).map((a) => a.tenantId)}
                  options={tenantOptions}
                  onSelect={(id: string) => void run(() => post('/events', { kind: 'tenants', add: [id] }))}
                  onDeselect={(id: string) => void run(() => post('/events', { kind: 'tenants', remove: [id] }))}
                  data-testid="incident-affected"
                />
              </Descriptions.Item>
            </Descriptions>

            <ContainmentCard incident={open} tenants={tenants} onRun={(body) => run(() => post('/contain', body))} />

            <Form layout="inline" onFinish={(v: { text: string }) => void run(() => post('/events', { kind: 'containment', text: v.text }))}>
              <Form.Item name="text" rules={[{ required: true, message: t('security.ops.freeText') }]}>
                <Input style={{ width: 360 }} placeholder={t('security.ops.freeText')} />
              </Form.Item>
              <Button htmlType="submit">{t('security.incidents.add')}</Button>
            </Form>

            {open.regulator.required && !open.regulator.reportedAt ? (
              <Form layout="inline" onFinish={(v: { reference: string }) => void run(() => post('/events', { kind: 'regulator_reported', reference: v.reference }))}>
                <Form.Item name="reference" rules={[{ required: true, message: t('security.incidents.reference') }]}>
                  <Input placeholder={t('security.incidents.reference')} style={{ width: 300 }} />
                </Form.Item>
                <Button htmlType="submit">{t('security.incidents.report')}</Button>
              </Form>
            ) : null}

            <Card size="small" title={t('security.ops.notifyAffected')}>
              <Form layout="vertical" onFinish={(v: { tenantIds?: string[]; message: string }) => void run(() => post('/notify', { tenantIds: v.tenantIds?.length ? v.tenantIds : undefined, message: v.message }))}>
                <Form.Item name="tenantIds" extra={t('security.ops.notifyHint')}>
                  <Select mode="multiple" allowClear showSearch optionFilterProp="label" placeholder={t('security.ops.pickTenants')} options={tenantOptions} />
                </Form.Item>
                <Form.Item name="message" label={t('security.incidents.message')} rules={[{ required: true, message: t('security.incidents.message') }]}>
                  <Input.TextArea rows={3} />
                </Form.Item>
                <Button htmlType="submit">{t('security.incidents.notify')}</Button>
              </Form>
            </Card>

            <Card size="small" title={t('security.ops.resolution')}>
              <Form key={`res-${open.id}-${open.resolution ?? ''}`} layout="vertical" initialValues={{ resolution: open.resolution ?? '' }} onFinish={(v: { resolution: string }) => void run(() => post('/events', { kind: 'resolution', resolution: v.resolution }))}>
                <Form.Item name="resolution" rules={[{ required: true, message: t('security.ops.resolution') }]}>
                  <Input.TextArea rows={2} data-testid="incident-resolution" />
                </Form.Item>
                <Button htmlType="submit">{t('security.ops.saveResolution')}</Button>
              </Form>
            </Card>

            <Card size="small" title={t('security.ops.postmortem')}>
              {open.postmortemRequired ? <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('security.ops.postmortemRequired')} /> : null}
              <Form
                key={`pm-${open.id}-${open.postmortem.rootCause ?? ''}`}
                layout="vertical"
                initialValues={{ rootCause: open.postmortem.rootCause ?? '', impact: open.postmortem.impact ?? '', lessons: open.postmortem.lessons ?? '', actions: open.postmortem.actions ?? '' }}
                onFinish={(v: { rootCause: string; impact: string; lessons: string; actions: string }) => void run(() => post('/events', { kind: 'postmortem', ...v }))}
              >
                {(['rootCause', 'impact', 'lessons', 'actions'] as const).map((f) => (
                  <Form.Item key={f} name={f} label={t(`security.ops.${f === 'actions' ? 'followUp' : f}`)} rules={[{ required: true, message: t(`security.ops.${f === 'actions' ? 'followUp' : f}`) }]}>
                    <Input.TextArea rows={2} />
                  </Form.Item>
                ))}
                <Button htmlType="submit">{t('security.ops.savePostmortem')}</Button>
              </Form>
            </Card>

            <Typography.Title level={5}>{t('security.incidents.timeline')}</Typography.Title>
            <Timeline
              data-testid="incident-timeline"
              items={(open.timeline ?? []).map((e) => ({
                color: e.kind === 'containment_action' ? 'red' : undefined,
                children: `${showDateTime(e.at)} · ${t(`security.ops.kinds.${e.kind}`, { defaultValue: e.kind })} · ${e.text}${e.actor ? ` · ${e.actor}` : ''}`,
              }))}
            />
          </Space>
        ) : null}
      </Drawer>
    </Space>
  );
}

/** Asks for the reason a dismissal needs (the server refuses one without it). */
export function DismissModal({ alert, onClose, onSubmit }: { alert: AlertItem | null; onClose: () => void; onSubmit: (note: string) => Promise<boolean> }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ note: string }>();
  return (
    <Modal
      open={!!alert}
      title={t('security.ops.reasonTitle')}
      okText={t('security.ops.confirm')}
      onCancel={onClose}
      onOk={async () => {
        const v = await form.validateFields();
        if (await onSubmit(v.note)) {
          form.resetFields();
          onClose();
        }
      }}
      destroyOnHidden
    >
      <Form form={form} layout="vertical">
        <Form.Item name="note" label={t('security.ops.reason')} rules={[{ required: true, whitespace: true, message: t('security.ops.reason') }]}>
          <Input.TextArea rows={3} maxLength={2000} data-testid="dismiss-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Typed containment actions; each one acts at once and lands on the timeline. */
function ContainmentCard({ incident, tenants, onRun }: { incident: Incident; tenants: TenantOption[]; onRun: (body: Record<string, unknown>) => Promise<boolean> }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ action: string; tenantId: string; userId?: string; keyId?: string; reason: string }>();
  const action = Form.useWatch('action', form);
  const tenantId = Form.useWatch('tenantId', form);
  const [users, setUsers] = useState<Array<{ id: string; name: string; email: string; status: string }>>([]);
  const [keys, setKeys] = useState<Array<{ id: string; name: string; prefix: string; status: string; roleName: string | null }>>([]);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    form.setFieldValue('userId', undefined);
    form.setFieldValue('keyId', undefined);
  }, [tenantId, form]);
  useEffect(() => {
    setKeys([]);
    if (!tenantId || action !== 'revoke_api_key') return;
    void api
      .get<{ items: typeof keys }>('/platform/security/tenant-api-keys', { query: { tenantId } })
      .then((r) => setKeys(r.items))
      .catch(() => setKeys([]));
  }, [tenantId, action, reload]);
  useEffect(() => {
    setUsers([]);
    if (!tenantId) return;
    void api
      .get<{ items: typeof users }>('/platform/security/tenant-users', { query: { tenantId } })
      .then((r) => setUsers(r.items))
      .catch(() => setUsers([]));
  }, [tenantId, reload]);
  const affected = new Set((incident.affectedTenants ?? []).map((a) => a.tenantId));
  // Affected tenants first.
  const options = [...tenants].sort((a, b) => Number(affected.has(b.id)) - Number(affected.has(a.id))).map((x) => ({ value: x.id, label: `${x.name}${x.status !== 'active' ? ` (${x.status})` : ''}` }));
  const needsUser = NEEDS_USER.has(action);
  const takesUser = needsUser || action === 'revoke_sessions';
  return (
    <Card size="small" title={t('security.ops.containTitle')} data-testid="containment-card">
      <Form
        form={form}
        layout="vertical"
        initialValues={{ action: 'lock_user', tenantId: incident.affectedTenants?.[0]?.tenantId }}
        onFinish={async (v) => {
          if (await onRun({ action: v.action, tenantId: v.tenantId, reason: v.reason, ...(v.userId ? { userId: v.userId } : {}), ...(v.action === 'revoke_api_key' && v.keyId ? { keyId: v.keyId } : {}) })) {
            form.setFieldsValue({ reason: '' });
            setReload((n) => n + 1); // statuses change (locked / unlocked)
          }
        }}
      >
        <Form.Item name="action" label={t('security.ops.action')}>
          <Radio.Group optionType="button" buttonStyle="solid" options={CONTAIN_ACTIONS.map((a) => ({ value: a, label: t(`security.ops.actions.${a}`) }))} data-testid="contain-action" />
        </Form.Item>
        <Form.Item name="tenantId" label={t('security.incidents.tenant')} rules={[{ required: true, message: t('security.incidents.tenant') }]}>
          <Select showSearch optionFilterProp="label" options={options} data-testid="contain-tenant" />
        </Form.Item>
        {takesUser ? (
          <Form.Item name="userId" label={t('security.ops.user')} rules={needsUser ? [{ required: true, message: t('security.ops.user') }] : []}>
            <Select
              allowClear={!needsUser}
              showSearch
              optionFilterProp="label"
              placeholder={needsUser ? undefined : t('security.ops.allUsers')}
              options={users.map((u) => ({ value: u.id, label: `${u.name} <${u.email}>${u.status !== 'active' ? ` (${u.status})` : ''}` }))}
              data-testid="contain-user"
            />
          </Form.Item>
        ) : null}
        {action === 'revoke_api_key' ? (
          <Form.Item name="keyId" label={t('security.ops.apiKey')} rules={[{ required: true, message: t('security.ops.apiKey') }]}>
            <Select
              showSearch
              optionFilterProp="label"
              options={keys.map((k) => ({ value: k.id, disabled: k.status !== 'active', label: `${k.name} · ${k.prefix}${k.roleName ? ` · ${k.roleName}` : ''}${k.status !== 'active' ? ` (${k.status})` : ''}` }))}
              data-testid="contain-key"
            />
          </Form.Item>
        ) : null}
        <Form.Item name="reason" label={t('security.ops.containReason')} rules={[{ required: true, whitespace: true, message: t('security.ops.reason') }]}>
          <Input data-testid="contain-reason" />
        </Form.Item>
        <Button type="primary" danger htmlType="submit" data-testid="contain-run">
          {t('security.ops.run')}
        </Button>
      </Form>
    </Card>
  );
}
