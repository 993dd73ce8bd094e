import { Alert, Button, Card, DatePicker, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, downloadFile } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';
import { testId } from '../../testid';
import { showDateTime } from '../../format';
import { DismissModal } from './IncidentsPage';

export interface AlertItem {
  id: string;
  tenantId: string | null;
  rule: string;
  severity: string;
  actor: { id: string | null; label: string | null };
  summary: Record<string, unknown>;
  status: string;
  createdAt: string;
  note: string | null;
}
interface AuditItem {
  seq: number;
  occurredAt: string;
  actor: { kind: string; id: string | null; label: string | null };
  action: string;
  object: { type: string | null; id: string | null };
  ip: string | null;
  outcome: string;
}
interface Filters {
  range?: [{ toISOString: () => string }, { toISOString: () => string }];
  actor?: string;
  action?: string;
  object?: string;
  outcome?: string;
}

const SEVERITY_COLOR: Record<string, string> = { high: 'red', medium: 'orange', low: 'blue' };

/** Tenant admins and auditors: alerts, incident notices, audit search/export and chain verification. */
export default function AuditAlertsPage({ canDecide }: { canDecide: boolean }) {
  const { t } = useTranslation();
  const [alerts, setAlerts] = useState<AlertItem[]>([]);
  const [notices, setNotices] = useState<Array<{ incidentId: string; title: string; severity: string; message: string; notifiedAt: string }>>([]);
  const [events, setEvents] = useState<{ total: number; items: AuditItem[] }>({ total: 0, items: [] });
  const [page, setPage] = useState(1);
  const [query, setQuery] = useState<Record<string, string>>({});
  const [verify, setVerify] = useState<{ ok: boolean; chains: Array<{ count: number; brokenAt?: number; reason?: string }> } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const [dismissing, setDismissing] = useState<AlertItem | null>(null);
  // Auditors see the incident notices too; the alert list (and its decisions) is for tenant admins.
  const loadAlerts = useCallback(async () => {
    try {
      setNotices((await api.get<{ items: typeof notices }>('/security/incident-notices')).items);
      if (canDecide) setAlerts((await api.get<{ items: AlertItem[] }>('/security/alerts')).items);
    } catch (e) {
      setError(e);
    }
  }, [canDecide]);
  const loadEvents = useCallback(async () => {
    try {
      setEvents(await api.get('/audit-events', { query: { ...query, page, pageSize: 20 } }));
    } catch (e) {
      setError(e);
    }
  }, [query, page]);
  useEffect(() => void loadAlerts(), [loadAlerts]);
  useEffect(() => void loadEvents(), [loadEvents]);

  const decide = async (id: string, action: 'acknowledge' | 'dismiss' | 'escalate', note?: string): Promise<boolean> => {
    try {
      await api.post(`/security/alerts/${id}/${action}`, note ? { note } : {});
      await loadAlerts();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const search = (f: Filters) => {
    setPage(1);
    setQuery({
      ...(f.range ? { from: f.range[0].toISOString(), to: f.range[1].toISOString() } : {}),
      ...(f.actor ? { actor: f.actor } : {}),
      ...(f.action ? { action: f.action } : {}),
      ...(f.object ? { object: f.object } : {}),
      ...(f.outcome ? { outcome: f.outcome } : {}),
    });
  };
  const csvHref = `/api/v1/audit-events?${new URLSearchParams({ ...query, format: 'csv' }).toString()}`;

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('security.audit.title')}</Typography.Title>
      {error ? <ProblemAlert error={error} extraErrors={[]} onClose={() => setError(null)} /> : null}
      {notices.map((n) => (
        <Alert key={n.incidentId + n.notifiedAt} type="error" showIcon message={`${t('security.audit.notice')}: ${n.title} (${t(`security.severity.${n.severity}`)})`} description={n.message} />
      ))}
      {canDecide ? (
        <Card title={t('security.audit.alerts')}>
          <Table<AlertItem>
            rowKey="id"
            dataSource={alerts}
            pagination={{ pageSize: 10 }}
            onRow={() => testId('alert-row')}
            columns={[
              { title: t('security.audit.rule'), dataIndex: 'rule', render: (r: string) => t(`security.rules.${r}`) },
              { title: t('security.audit.severity'), dataIndex: 'severity', render: (s: string) => <Tag color={SEVERITY_COLOR[s]}>{s}</Tag> },
              { title: t('security.audit.actor'), render: (_, a) => a.actor.label ?? a.actor.id ?? '—' },
              { title: t('security.audit.time'), dataIndex: 'createdAt', render: (v: string) => showDateTime(v) },
              { title: t('security.audit.status'), dataIndex: 'status', render: (s: string) => t(`security.alertStatus.${s}`) },
              {
                title: '',
                render: (_, a) =>
                  a.status === 'open' || a.status === 'acknowledged' ? (
                    <Space>
                      {a.status === 'open' ? <Button size="small" onClick={() => void decide(a.id, 'acknowledge')}>{t('security.audit.acknowledge')}</Button> : null}
                      <Button size="small" onClick={() => setDismissing(a)} data-testid="alert-dismiss">{t('security.audit.dismiss')}</Button>
                      <Button size="small" danger onClick={() => void decide(a.id, 'escalate')}>{t('security.audit.escalate')}</Button>
                    </Space>
                  ) : null,
              },
            ]}
          />
        </Card>
      ) : null}
      <DismissModal alert={dismissing} onClose={() => setDismissing(null)} onSubmit={(note) => decide(dismissing!.id, 'dismiss', note)} />
      <Card
        title={t('security.audit.log')}
        extra={
          <Space>
            <Button
              data-testid="audit-verify"
              onClick={async () => {
                try {
                  setVerify(await api.get('/security/audit/verify'));
                } catch (e) {
                  setError(e);
                }
              }}
            >
              {t('security.audit.verify')}
            </Button>
            {/* Through the fetch wrapper: an export needs a fresh re-authentication (dialog, then retried). */}
            <Button data-testid="audit-export" onClick={() => downloadFile(csvHref, 'audit-events.csv').catch(setError)}>
              {t('security.audit.export')}
            </Button>
          </Space>
        }
      >
        {verify ? (
          <Alert
            style={{ marginBottom: 16 }}
            type={verify.ok ? 'success' : 'error'}
            showIcon
            message={verify.ok ? t('security.audit.verifyOk', { n: verify.chains[0]?.count ?? 0 }) : t('security.audit.verifyBroken', { seq: verify.chains[0]?.brokenAt ?? '-', reason: verify.chains[0]?.reason ?? '' })}
          />
        ) : null}
        <Form<Filters> layout="inline" onFinish={search} style={{ marginBottom: 16, rowGap: 8 }}>
          <Form.Item name="range">
            <DatePicker.RangePicker showTime />
          </Form.Item>
          <Form.Item name="actor">
            <Input placeholder={t('security.audit.actor')} allowClear />
          </Form.Item>
          <Form.Item name="action">
            <Input placeholder={t('security.audit.action')} allowClear />
          </Form.Item>
          <Form.Item name="object">
            <Input placeholder={t('security.audit.object')} allowClear />
          </Form.Item>
          <Form.Item name="outcome">
            <Select allowClear placeholder={t('security.audit.outcome')} style={{ width: 120 }} options={['success', 'failure', 'denied'].map((o) => ({ value: o, label: t(`security.outcome.${o}`) }))} />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('security.audit.search')}
          </Button>
        </Form>
        <Table<AuditItem>
          rowKey="seq"
          dataSource={events.items}
          pagination={{ current: page, pageSize: 20, total: events.total, onChange: setPage, showSizeChanger: false }}
          columns={[
            { title: '#', dataIndex: 'seq', width: 70 },
            { title: t('security.audit.time'), dataIndex: 'occurredAt', render: (v: string) => showDateTime(v) },
            {
              title: t('security.audit.actor'),
              render: (_, e) => (
                <>
                  {e.actor.kind === 'api_key' && <Tag color="purple">{t('access.nav.apiKeys')}</Tag>}
                  {e.actor.label ?? e.actor.id ?? e.actor.kind}
                </>
              ),
            },
            { title: t('security.audit.action'), dataIndex: 'action' },
            { title: t('security.audit.object'), render: (_, e) => (e.object.type ? `${e.object.type}:${e.object.id ?? ''}` : '—') },
            { title: 'IP', dataIndex: 'ip' },
            { title: t('security.audit.outcome'), dataIndex: 'outcome', render: (o: string) => <Tag color={o === 'success' ? 'green' : 'red'}>{t(`security.outcome.${o}`)}</Tag> },
          ]}
        />
      </Card>
    </Space>
  );
}
