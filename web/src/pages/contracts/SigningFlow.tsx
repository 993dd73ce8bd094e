import { showDateTime } from '../../format';
import { useEffect, useState } from 'react';
import { Button, Card, Form, Input, InputNumber, Modal, Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';

export interface SignerHistoryRow {
  id: string;
  step: number;
  name: string;
  partyName: string | null;
  status: 'pending' | 'signed' | 'declined';
  signedAt: string | null;
  declinedAt: string | null;
  declineReason: string | null;
  voidedAt: string;
  voidReason: 'declined' | 'changed' | 'expired' | 'withdrawn';
}

export const signingFlowApi = {
  decline: (contractId: string, reason: string) => api.post(`/contracts/${contractId}/decline`, { reason }),
  publicDecline: (token: string, reason: string) => api.post(`/public/sign/${encodeURIComponent(token)}/decline`, { reason }),
};

/** "Decline to sign" with a required reason (internal signer or counterparty link). */
export function DeclineButton({ onDecline, onDone }: { onDecline: (reason: string) => Promise<unknown>; onDone: () => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await onDecline(reason.trim());
      setOpen(false);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button danger data-testid="decline-button" onClick={() => setOpen(true)}>{t('contracts.signingFlow.decline')}</Button>
      <Modal open={open} title={t('contracts.signingFlow.declineTitle')} okText={t('contracts.signingFlow.decline')} okButtonProps={{ danger: true, disabled: !reason.trim(), loading: busy, 'data-testid': 'decline-confirm' } as never}
        onOk={() => void submit()} onCancel={() => setOpen(false)}>
        <p>{t('contracts.signingFlow.declineHelp')}</p>
        <ProblemAlert error={error} />
        <Input.TextArea data-testid="decline-reason" rows={3} maxLength={1000} placeholder={t('contracts.signingFlow.reason')} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </>
  );
}

/** Earlier signing rounds (voided on decline or change): kept as a record. */
export function SignerHistory({ rows }: { rows: SignerHistoryRow[] | undefined }) {
  const { t } = useTranslation();
  if (!rows?.length) return null;
  return (
    <Table<SignerHistoryRow>
      data-testid="signer-history"
      size="small"
      rowKey="id"
      pagination={false}
      title={() => t('contracts.signingFlow.history')}
      dataSource={rows}
      columns={[
        { title: t('contracts.signingFlow.step'), dataIndex: 'step' },
        { title: t('contracts.detail.signerName'), render: (_, r) => (r.partyName ? `${r.name}（${r.partyName}）` : r.name) },
        { title: t('contracts.fields.status'), render: (_, r) => <Tag color={r.status === 'declined' ? 'error' : r.status === 'signed' ? 'default' : undefined}>{t(`contracts.signingFlow.signer_${r.status}`)}</Tag> },
        { title: t('contracts.signingFlow.voided'), render: (_, r) => `${showDateTime(r.voidedAt)} · ${t(`contracts.signingFlow.void_${r.voidReason}`)}` },
        { title: t('contracts.signingFlow.reason'), dataIndex: 'declineReason' },
      ]}
    />
  );
}

interface ReminderSettings {
  signingReminderDays: number;
  signingReminderMax: number;
  approvalOverdueDays: number;
}

/** Tenant settings of the reminder job (templates.manage; the API enforces it). */
export function ReminderSettingsCard() {
  const { t } = useTranslation();
  const [s, setS] = useState<ReminderSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    api.get<ReminderSettings>('/contract-settings').then(setS, setError);
  }, []);
  if (!s) return null;
  const field = (key: keyof ReminderSettings, min: number, max: number) => (
    <Form.Item label={t(`contracts.signingFlow.${key}`)}>
      <InputNumber data-testid={`setting-${key}`} min={min} max={max} value={s[key]} onChange={(v) => { setSaved(false); setS({ ...s, [key]: Number(v ?? min) }); }} />
    </Form.Item>
  );
  return (
    <Card title={t('contracts.signingFlow.settings')} data-testid="reminder-settings">
      <ProblemAlert error={error} />
      <Form layout="inline">
        {field('signingReminderDays', 1, 30)}
        {field('signingReminderMax', 0, 20)}
        {field('approvalOverdueDays', 1, 60)}
        <Button type="primary" data-testid="save-reminder-settings" onClick={() => api.patch<ReminderSettings>('/contract-settings', s).then((r) => { setS(r); setSaved(true); setError(null); }, setError)}>
          {saved ? t('contracts.create.saved') : t('contracts.signingFlow.save')}
        </Button>
      </Form>
    </Card>
  );
}
