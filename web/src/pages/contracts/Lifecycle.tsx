import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, Input, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';

/** Contract lifecycle helpers of the detail page and the number-scheme settings card. */

export const lifecycleApi = {
  removeAttachment: (contractId: string, attachmentId: string) => api.delete<unknown>(`/contracts/${contractId}/attachments/${attachmentId}`),
  terminate: (contractId: string) => api.post<unknown>(`/contracts/${contractId}/terminate`),
};

/** Edited like a draft. */
export const DRAFTING = ['draft', 'returned'];
/** A change here sends the contract back to approval (and voids the signatures so far while signing). */
export const AFTER_APPROVAL = ['approved', 'signing'];
export const EDITABLE = [...DRAFTING, ...AFTER_APPROVAL];
export const ARCHIVABLE = ['signed', 'terminated', 'expired'];

/**
 * Runs `fn` at once for a draft; for an approved or signing contract, first asks for confirmation,
 * saying what the change will do (back to approval; signatures so far voided; signing restarts after approval).
 */
export function confirmChange(status: string, t: (k: string) => string, fn: () => void) {
  if (!AFTER_APPROVAL.includes(status)) return fn();
  Modal.confirm({
    title: t('contracts.lifecycle.confirmTitle'),
    content: <span data-testid="change-confirm-text">{t(status === 'signing' ? 'contracts.lifecycle.warnSigning' : 'contracts.lifecycle.warnApproved')}</span>,
    okText: t('contracts.lifecycle.confirmOk'),
    okButtonProps: { danger: true, 'data-testid': 'change-confirm-ok' } as never,
    onOk: fn,
  });
}

/** The warning shown while editing an approved or signing contract. */
export function ChangeWarning({ status }: { status: string }) {
  const { t } = useTranslation();
  if (!AFTER_APPROVAL.includes(status)) return null;
  return <Alert type="warning" showIcon data-testid="void-warning" message={t(status === 'signing' ? 'contracts.lifecycle.warnSigning' : 'contracts.lifecycle.warnApproved')} />;
}

interface StateInfo {
  status: string;
  approval?: { status: string; decisions: Array<{ decision: string; comment: string | null; name: string | null }> } | null;
  signerHistory?: Array<{ voidReason: string; voidedAt: string }>;
}

/** Explains a state the user has to act on: returned (with the comment), signing ended at the deadline. */
export function LifecycleNotice({ c }: { c: StateInfo }) {
  const { t } = useTranslation();
  if (c.status === 'returned') {
    const ret = [...(c.approval?.decisions ?? [])].reverse().find((d) => d.decision === 'return');
    return <Alert type="warning" showIcon data-testid="returned-notice" message={t('contracts.lifecycle.returned', { name: ret?.name ?? '', comment: ret?.comment ?? '' })} />;
  }
  const last = [...(c.signerHistory ?? [])].sort((a, b) => a.voidedAt.localeCompare(b.voidedAt)).at(-1);
  if (c.status === 'approved' && last?.voidReason === 'expired') {
    return <Alert type="warning" showIcon data-testid="signing-expired-notice" message={t('contracts.lifecycle.signingExpired')} />;
  }
  return null;
}

interface Numbering {
  numberScheme: string;
  archiveNumberScheme: string;
  numberExample: string;
  archiveNumberExample: string;
}

/** The tenant's contract and archive number schemes (templates.manage; the API enforces it). */
export function NumberingSettingsCard() {
  const { t } = useTranslation();
  const [s, setS] = useState<Numbering | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    api.get<Numbering>('/contract-settings').then(setS, setError);
  }, []);
  if (!s) return <ProblemAlert error={error} />;
  const save = () =>
    api.patch<Numbering>('/contract-settings', { numberScheme: s.numberScheme, archiveNumberScheme: s.archiveNumberScheme }).then(
      (r) => { setS(r); setSaved(true); setError(null); },
      (e) => { setSaved(false); setError(e); },
    );
  return (
    <Card title={t('contracts.lifecycle.numbering')} data-testid="numbering-settings">
      <ProblemAlert error={error} />
      <Typography.Paragraph type="secondary">{t('contracts.lifecycle.numberingHelp')}</Typography.Paragraph>
      <Form layout="vertical" style={{ maxWidth: 560 }}>
        <Form.Item label={t('contracts.lifecycle.numberScheme')} extra={t('contracts.lifecycle.example', { example: s.numberExample })}>
          <Input data-testid="number-scheme" value={s.numberScheme} onChange={(e) => { setSaved(false); setS({ ...s, numberScheme: e.target.value }); }} />
        </Form.Item>
        <Form.Item label={t('contracts.lifecycle.archiveNumberScheme')} extra={t('contracts.lifecycle.example', { example: s.archiveNumberExample })}>
          <Input data-testid="archive-number-scheme" value={s.archiveNumberScheme} onChange={(e) => { setSaved(false); setS({ ...s, archiveNumberScheme: e.target.value }); }} />
        </Form.Item>
        <Button type="primary" data-testid="save-numbering" onClick={save}>
          {saved ? t('contracts.create.saved') : t('contracts.signingFlow.save')}
        </Button>
      </Form>
    </Card>
  );
}
