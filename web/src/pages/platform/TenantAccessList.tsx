import { Card, Input, Table, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { accessApi } from '../access/accessApi';

type TenantRow = { id: string; name: string; uscc: string; status: string; plan: string; createdAt: string };

export default function TenantAccessList() {
  const { t } = useTranslation();
  const [items, setItems] = useState<TenantRow[]>([]);
  const [q, setQ] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    accessApi.tenants(q || undefined).then((r) => setItems(r.items), setError);
  }, [q]);
  return (
    <Card title={t('access.tenants.title')} extra={<Input.Search allowClear onSearch={setQ} style={{ width: 260 }} />}>
      <ProblemAlert error={error} />
      <Table<TenantRow>
        rowKey="id"
        dataSource={items}
        columns={[
          { title: t('access.tenants.name'), render: (_, r) => <Link to={`/platform/tenants/${r.id}`} data-testid="tenant-link">{r.name}</Link> },
          { title: 'USCC', dataIndex: 'uscc' },
          { title: t('access.tenants.status'), render: (_, r) => <Tag>{t(`access.tenantStatus.${r.status}`)}</Tag> },
          { title: t('access.tenants.plan'), render: (_, r) => t(`plan.${r.plan}`, { defaultValue: r.plan }) },
        ]}
      />
    </Card>
  );
}
