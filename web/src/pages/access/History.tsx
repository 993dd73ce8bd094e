import { Button, Card, DatePicker, Input, Select, Space, Table } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { downloadFile } from '../../api';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import { accessApi, type HistoryEntry, type HistoryFilter } from './accessApi';

const KINDS = ['role', 'user', 'entitlements', 'request', 'tenant', 'api_key'];

const show = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v));

/** Permission history: the tenant's own (tenant console) or all tenants' (operator, `platform`). */
export default function History({ platform = false }: { platform?: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [items, setItems] = useState<HistoryEntry[]>([]);
  const [filter, setFilter] = useState<HistoryFilter>({});
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setItems((await accessApi.history(filter, platform)).items);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [filter, platform]);
  useEffect(() => {
    void load();
  }, [load]);
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
        <Select allowClear style={{ width: 180 }} placeholder={t('access.history.filterKind')} options={KINDS.map((k) => ({ value: k, label: k }))} onChange={(kind?: string) => setFilter((f) => ({ ...f, kind }))} />
        <Input.Search allowClear style={{ width: 280 }} placeholder={t('access.history.search')} onSearch={(q) => setFilter((f) => ({ ...f, q: q || undefined }))} />
        <DatePicker.RangePicker onChange={(r) => setFilter((f) => ({ ...f, from: r?.[0]?.startOf('day').toISOString(), to: r?.[1]?.endOf('day').toISOString() }))} />
      </Space>
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <Table<HistoryEntry>
        rowKey="id"
        dataSource={items}
        size="small"
        onRow={() => testId('history-row')}
        columns={[
          { title: t('access.history.time'), render: (_, h) => fmt.dateTime(h.occurredAt) },
          ...(platform ? [{ title: t('access.history.tenant'), dataIndex: 'tenantName' }] : []),
          { title: t('access.history.actor'), dataIndex: 'actor' },
          { title: t('access.history.kind'), dataIndex: 'kind' },
          { title: t('access.history.subject'), render: (_, h) => h.subjectLabel ?? h.subjectId ?? h.subjectType },
          { title: t('access.history.change'), render: (_, h) => <code style={{ fontSize: 12 }}>{show(h.before)} → {show(h.after)}</code> },
          { title: t('access.history.reason'), render: (_, h) => h.reason ?? '' },
        ]}
      />
    </Card>
  );
}
