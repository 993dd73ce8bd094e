import { Card, Input, Radio, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import StatusTag from '../../components/StatusTag';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import type { QueueItem, QueuePage } from '../../types';
import { QUEUE_STATUS_FILTERS, platformApi, type QueueStatusFilter } from './platformApi';

const PAGE_SIZE = 20;

export default function RegistrationQueue() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const statusParam = params.get('status');
  const status: QueueStatusFilter = (QUEUE_STATUS_FILTERS as readonly string[]).includes(statusParam ?? '')
    ? (statusParam as QueueStatusFilter)
    : 'submitted';
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const pageSize = Math.min(100, Math.max(1, Number(params.get('pageSize')) || PAGE_SIZE));

  const [data, setData] = useState<QueuePage>({ items: [], total: 0 });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [search, setSearch] = useState(q);

  const update = useCallback(
    (changes: Record<string, string | number | undefined>) => {
      const nextParams = new URLSearchParams(params);
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined || value === '') nextParams.delete(key);
        else nextParams.set(key, String(value));
      }
      setParams(nextParams, { replace: true });
    },
    [params, setParams],
  );

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    platformApi
      .list({ status, q: q || undefined, page, pageSize }, controller.signal)
      .then(setData)
      .catch((e: unknown) => {
        if (!(e instanceof DOMException && e.name === 'AbortError')) setError(e);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [status, q, page, pageSize]);

  const columns: TableProps<QueueItem>['columns'] = [
    {
      title: t('fields.companyName'),
      dataIndex: 'companyName',
      key: 'companyName',
      render: (_, item) => (
        <Link to={`/platform/registrations/${encodeURIComponent(item.id)}`} onClick={(e) => e.stopPropagation()}>
          {item.companyName || t('common.unnamed')}
        </Link>
      ),
    },
    {
      title: t('fields.uscc'),
      dataIndex: 'uscc',
      key: 'uscc',
      render: (v: string | null) => <Typography.Text code>{v || '—'}</Typography.Text>,
    },
    { title: t('fields.status'), dataIndex: 'status', key: 'status', render: (v: string) => <StatusTag status={v} /> },
    {
      title: t('fields.version'),
      dataIndex: 'version',
      key: 'version',
      width: 90,
      render: (v: number) => (v > 1 ? <Tag color="purple">{t('review.versionShort', { version: v })}</Tag> : t('review.versionShort', { version: v })),
    },
    { title: t('fields.submittedAt'), dataIndex: 'submittedAt', key: 'submittedAt', render: (v: string | null) => fmt.dateTime(v) },
    {
      title: t('queue.waiting'),
      dataIndex: 'waitingSeconds',
      key: 'waiting',
      render: (v: number | null, item) =>
        item.status === 'submitted' && v !== null && v !== undefined ? (
          <Tag color={v >= 86400 ? 'red' : v >= 4 * 3600 ? 'orange' : 'blue'} data-testid="waiting">
            {t('queue.waitingFor', { duration: fmt.duration(v) })}
          </Tag>
        ) : (
          '—'
        ),
    },
    { title: t('fields.decidedAt'), dataIndex: 'decidedAt', key: 'decidedAt', render: (v: string | null) => fmt.dateTime(v) },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('queue.title')}
        </Typography.Title>
        <Typography.Text type="secondary">{t('queue.subtitle')}</Typography.Text>
      </div>
      <Card>
        <div style={{ display: 'flex', gap: 16, flexWrap: 'wrap', justifyContent: 'space-between', marginBottom: 16 }}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            value={status}
            data-testid="status-filter"
            onChange={(e) => update({ status: e.target.value as string, page: undefined })}
            options={QUEUE_STATUS_FILTERS.map((s) => ({
              value: s,
              label: s === 'all' ? t('queue.all') : t(`status.${s}`),
            }))}
          />
          <Input.Search
            allowClear
            style={{ maxWidth: 320 }}
            placeholder={t('queue.searchPlaceholder')}
            value={search}
            data-testid="queue-search"
            onChange={(e) => setSearch(e.target.value)}
            onSearch={(value) => update({ q: value.trim() || undefined, page: undefined })}
          />
        </div>
        {error ? <ProblemAlert error={error} /> : null}
        <Table<QueueItem>
          rowKey="id"
          size="middle"
          loading={loading}
          columns={columns}
          dataSource={data.items}
          data-testid="registration-queue"
          locale={{ emptyText: t('queue.empty') }}
          onRow={(item) => ({
            onClick: () => navigate(`/platform/registrations/${encodeURIComponent(item.id)}`),
            style: { cursor: 'pointer' },
            ...testId(`queue-row-${item.id}`),
          })}
          pagination={{
            current: page,
            pageSize,
            total: data.total,
            showSizeChanger: true,
            showTotal: (total) => t('queue.total', { count: total }),
            onChange: (p, ps) => update({ page: p === 1 ? undefined : p, pageSize: ps === PAGE_SIZE ? undefined : ps }),
          }}
          scroll={{ x: 900 }}
        />
      </Card>
    </Space>
  );
}
