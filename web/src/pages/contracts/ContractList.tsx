import { showDateTime } from '../../format';
import { useCallback, useEffect, useState } from 'react';
import { Button, Card, DatePicker, Input, InputNumber, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { usePermissions } from './usePermissions';
import { Link, useNavigate } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { contractsApi, STATUS_COLORS, yuan, type Contract } from './contractsApi';
import { CustomFieldFilter } from './ux/MetadataEditor';

const STATUSES = ['draft', 'returned', 'in_approval', 'approved', 'signing', 'signed', 'archived', 'withdrawn', 'terminated', 'expired'];

export default function ContractList() {
  const perms = usePermissions();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [filters, setFilters] = useState<Record<string, string | number | undefined>>({});
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ items: Contract[]; total: number }>({ items: [], total: 0 });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setData(await contractsApi.list({ ...filters, q: q || undefined, page, pageSize: 20 }));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [filters, q, page]);

  useEffect(() => {
    void load();
  }, [filters, page]); // eslint-disable-line react-hooks/exhaustive-deps

  const set = (k: string, v: string | number | undefined | null) => {
    setPage(1);
    setFilters((f) => ({ ...f, [k]: v ?? undefined }));
  };

  return (
    <Card
      title={t('contracts.list.title')}
      extra={
        <Space>
          {perms.has('data.export') && (
            <Tooltip title={t('contracts.list.exportHelp')}>
              <Button icon={<DownloadOutlined />} data-testid="export-contracts" href={contractsApi.exportUrl({ ...filters, q: q || undefined })}>
                {t('contracts.list.export')}
              </Button>
            </Tooltip>
          )}
          {perms.has('contracts.create') && (
            <Button type="primary" icon={<PlusOutlined />} data-testid="new-contract" onClick={() => navigate('/tenant/contracts/new')}>
              {t('contracts.list.new')}
            </Button>
          )}
        </Space>
      }
    >
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          data-testid="search-input"
          allowClear
          style={{ width: 360 }}
          placeholder={t('contracts.list.search')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onSearch={() => {
            setPage(1);
            void load();
          }}
        />
        <Select allowClear style={{ width: 140 }} placeholder={t('contracts.list.status')} onChange={(v) => set('status', v)}
          options={STATUSES.map((s) => ({ value: s, label: t(`contracts.status.${s}`) }))} />
        <Input allowClear style={{ width: 140 }} placeholder={t('contracts.list.type')} onChange={(e) => set('type', e.target.value || undefined)} />
        <Input allowClear style={{ width: 160 }} placeholder={t('contracts.list.party')} onChange={(e) => set('party', e.target.value || undefined)} />
        <InputNumber min={0} placeholder={t('contracts.list.minAmount')} style={{ width: 150 }} onChange={(v) => set('minAmountFen', v === null ? undefined : Math.round(Number(v) * 100))} />
        <InputNumber min={0} placeholder={t('contracts.list.maxAmount')} style={{ width: 150 }} onChange={(v) => set('maxAmountFen', v === null ? undefined : Math.round(Number(v) * 100))} />
        <DatePicker placeholder={t('contracts.list.from')} onChange={(d) => set('from', d ? d.format('YYYY-MM-DD') : undefined)} />
        <DatePicker placeholder={t('contracts.list.to')} onChange={(d) => set('to', d ? d.format('YYYY-MM-DD') : undefined)} />
        <Input allowClear style={{ width: 120 }} placeholder={t('contracts.list.tag')} onChange={(e) => set('tag', e.target.value || undefined)} />
        <CustomFieldFilter onChange={(fieldKey, fieldValue) => { setPage(1); setFilters((f) => ({ ...f, fieldKey, fieldValue })); }} />
      </Space>
      <ProblemAlert error={error} />
      <Table<Contract>
        rowKey="id"
        loading={loading}
        dataSource={data.items}
        data-testid="contract-table"
        pagination={{ current: page, pageSize: 20, total: data.total, onChange: setPage, showTotal: (total) => t('contracts.list.total', { total }) }}
        columns={[
          { title: t('contracts.fields.number'), dataIndex: 'number', render: (v: string, r) => <Link to={`/tenant/contracts/${r.id}`}>{v}</Link> },
          { title: t('contracts.fields.title'), dataIndex: 'title' },
          { title: t('contracts.fields.counterparty'), render: (_, r) => r.counterparties.map((c) => c.name).join('、') },
          { title: t('contracts.fields.amount'), dataIndex: 'amountFen', align: 'right', render: (v: number | null) => yuan(v) },
          { title: t('contracts.fields.status'), dataIndex: 'status', render: (s: string) => <Tag color={STATUS_COLORS[s]}>{t(`contracts.status.${s}`)}</Tag> },
          { title: t('contracts.fields.endDate'), dataIndex: 'endDate' },
          { title: t('contracts.fields.updatedAt'), dataIndex: 'updatedAt', render: (v: string) => <Typography.Text type="secondary">{showDateTime(v)}</Typography.Text> },
        ]}
      />
    </Card>
  );
}
