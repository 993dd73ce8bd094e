import { Button, Card, DatePicker, Input, Modal, Select, Space, Table, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { useAuth } from '../../auth';
import { useFormat } from '../../format';
import { accessApi, type PermissionRequest } from '../access/accessApi';
import { requestTarget } from '../access/Requests';

export default function PermissionRequestQueue() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [status, setStatus] = useState<string | undefined>('pending');
  const [items, setItems] = useState<PermissionRequest[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [deciding, setDeciding] = useState<PermissionRequest | null>(null);
  const [comment, setComment] = useState('');
  const [effective, setEffective] = useState<Dayjs | null>(null);
  // Auditors, billing and support operators see the queue; only a super admin decides (as the API enforces).
  const { me } = useAuth();
  const canDecide = !!me?.user.roles.includes('super_admin');
  const load = useCallback(async () => {
    try {
      setItems((await accessApi.platformRequests(status)).items);
    } catch (e) {
      setError(e);
    }
  }, [status]);
  useEffect(() => {
    void load();
  }, [load]);
  const decide = async (approve: boolean) => {
    if (!deciding) return;
    try {
      if (approve) await accessApi.approve(deciding.tenantId, deciding.id, { comment, effectiveFrom: effective ? effective.startOf('day').toISOString() : null });
      else await accessApi.reject(deciding.tenantId, deciding.id, comment);
      setDeciding(null);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card
      title={t('access.nav.requestQueue')}
      extra={<Select allowClear value={status} onChange={setStatus} style={{ width: 180 }} options={['pending', 'approved', 'rejected', 'applied'].map((s) => ({ value: s, label: t(`access.requestStatus.${s}`) }))} />}
    >
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <Table<PermissionRequest>
        rowKey="id"
        dataSource={items}
        columns={[
          { title: t('access.requests.tenant'), dataIndex: 'tenantName' },
          { title: t('access.requests.type'), render: (_, r) => t(`access.requestType.${r.type}`) },
          { title: '', render: (_, r) => requestTarget(r, t) },
          { title: t('access.requests.reason'), dataIndex: 'reason' },
          { title: t('access.requests.requestedAt'), render: (_, r) => `${fmt.dateTime(r.requestedAt)} · ${r.requestedBy ?? ''}` },
          { title: t('access.requests.status'), render: (_, r) => <Tag>{t(`access.requestStatus.${r.status}`)}</Tag> },
          {
            title: '',
            render: (_, r) =>
              r.status === 'pending' && canDecide ? (
                <Button size="small" type="primary" data-testid="approve-request" onClick={() => { setComment(''); setEffective(null); setDeciding(r); }}>
                  {t('access.requests.decide')}
                </Button>
              ) : null,
          },
        ]}
      />
      <Modal
        open={!!deciding}
        title={t('access.requests.decide')}
        onCancel={() => setDeciding(null)}
        footer={
          <Space>
            <Button danger onClick={() => decide(false)} disabled={!comment.trim()} data-testid="reject-confirm">{t('access.requests.reject')}</Button>
            <Button type="primary" onClick={() => decide(true)} data-testid="approve-confirm">{t('access.requests.approve')}</Button>
          </Space>
        }
      >
        <Space direction="vertical" style={{ width: '100%' }}>
          <Input.TextArea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} placeholder={t('access.requests.comment')} data-testid="decision-comment" />
          <DatePicker value={effective} onChange={setEffective} placeholder={t('access.requests.effectiveFrom')} />
        </Space>
      </Modal>
    </Card>
  );
}
