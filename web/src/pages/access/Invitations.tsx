import { Button, Card, Table, Tag, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import { accessApi, type Invitation } from './accessApi';
import { ReasonModal, type ReasonRequest } from './ReasonModal';

const COLORS: Record<Invitation['status'], string> = { pending: 'blue', accepted: 'green', expired: 'default', revoked: 'red' };

/** Invitations of the tenant, with revoke for open ones. `version` changes when a new invitation was sent. */
export default function Invitations({ version, onChange }: { version: number; onChange?: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [items, setItems] = useState<Invitation[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<ReasonRequest | null>(null);
  const load = useCallback(async () => {
    try {
      setItems((await accessApi.invitations()).items);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load, version]);
  const revoke = async (id: string, reason?: string) => {
    try {
      setError(null);
      await accessApi.revokeInvitation(id, reason);
      message.success(t('access.invitations.revoked'));
      await load();
      onChange?.();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title={t('access.invitations.title')} size="small" style={{ marginTop: 16 }}>
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <Table<Invitation>
        rowKey="id"
        dataSource={items}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(r) => ({ ...testId('invitation-row'), 'data-email': r.email }) as object}
        columns={[
          { title: t('access.invitations.email'), dataIndex: 'email' },
          { title: t('access.invitations.status'), render: (_, r) => <Tag color={COLORS[r.status]}>{t(`access.invitations.statuses.${r.status}`)}</Tag> },
          { title: t('access.invitations.createdAt'), render: (_, r) => fmt.dateTime(r.createdAt) },
          { title: t('access.invitations.expiresAt'), render: (_, r) => fmt.dateTime(r.expiresAt) },
          {
            title: '',
            render: (_, r) =>
              r.status === 'pending' ? (
                <Button size="small" danger data-testid="invitation-revoke" onClick={() => setConfirming({ title: t('access.invitations.confirmRevoke'), danger: true, run: (reason) => revoke(r.id, reason) })}>
                  {t('access.invitations.revoke')}
                </Button>
              ) : null,
          },
        ]}
      />
      <ReasonModal request={confirming} onClose={() => setConfirming(null)} />
    </Card>
  );
}
