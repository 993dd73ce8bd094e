import { Alert, Button, Card, DatePicker, Input, Select, Space, Table } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { downloadFile } from '../../api';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import { accessApi, type HistoryEntry, type HistoryFilter } from './accessApi';
import { HISTORY_GROUPS, HistoryChange, historyKindLabel, historySubject } from './historyFormat';

const PAGE = 5000;

/** Permission history: the tenant's own (tenant console) or all tenants' (operator, `platform`, with a tenant filter). */
export default function History({ platform = false }: { platform?: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [items, setItems] = useState<HistoryEntry[]>([]);
  const [truncated, setTruncated] = useState(false);
  const [filter, setFilter] = useState<HistoryFilter>({});
  const [tenants, setTenants] = useState<Array<{ id: string; name: string }>>([]);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      const r = await accessApi.history(filter, platform);
      setItems(r.items);
      setTruncated(!!r.truncated);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [filter, platform]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    if (platform) accessApi.tenants().then((r) => setTenants(r.items), () => setTenants([]));
  }, [platform]);
  return (
    <Card
      title={t('access.history.title')}
      extra={
        <Button
          data-testid="history-export"
          onClick={() => downloadFile(accessApi.historyCsvUrl(filter, platform), `permission-history-${new Date().toISOString().slice(0, 10)}.csv`).catch(setError)}
        >
          {t('access.history.exportCsv')}
        </Button>
      }
    >
      <Space wrap style={{ marginBottom: 16 }}>
        {platform && (
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            style={{ width: 220 }}
            placeholder={t('access.history.filterTenant')}
            options={tenants.map((x) => ({ value: x.id, label: x.name }))}
            onChange={(tenantId?: string) => setFilter((f) => ({ ...f, tenantId }))}
            data-testid="history-tenant"
          />
        )}
        <Select
          allowClear
          style={{ width: 180 }}
          placeholder={t('access.history.filterKind')}
          options={HISTORY_GROUPS.map((k) => ({ value: k, label: t(`access.historyGroup.${k}`) }))}
          onChange={(kind?: string) => setFilter((f) => ({ ...f, kind }))}
          data-testid="history-kind"
        />
        <Input.Search allowClear style={{ width: 280 }} placeholder={t('access.history.search')} onSearch={(q) => setFilter((f) => ({ ...f, q: q || undefined }))} />
        <DatePicker.RangePicker onChange={(r) => setFilter((f) => ({ ...f, from: r?.[0]?.startOf('day').toISOString(), to: r?.[1]?.endOf('day').toISOString() }))} />
      </Space>
      <ProblemAlert error={error} onClose={() => setError(null)} />
      {truncated && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('access.history.truncated', { n: PAGE })} data-testid="history-truncated" />}
      <Table<HistoryEntry>
        rowKey="id"
        dataSource={items}
        size="small"
        onRow={() => testId('history-row')}
        columns={[
          { title: t('access.history.time'), render: (_, h) => fmt.dateTime(h.occurredAt) },
          ...(platform ? [{ title: t('access.history.tenant'), dataIndex: 'tenantName' }] : []),
          { title: t('access.history.actor'), dataIndex: 'actor' },
          { title: t('access.history.kind'), render: (_, h) => historyKindLabel(t, h.kind) },
          { title: t('access.history.subject'), render: (_, h) => historySubject(t, h) },
          { title: t('access.history.change'), render: (_, h) => <HistoryChange kind={h.kind} before={h.before} after={h.after} /> },
          { title: t('access.history.reason'), render: (_, h) => h.reason ?? '' },
        ]}
      />
    </Card>
  );
}
