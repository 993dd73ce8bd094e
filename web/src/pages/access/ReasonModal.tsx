import { Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { testId } from '../../testid';

/** The optional "why" of a permission change, as a form field (written to the permission history). */
export function ReasonField() {
  const { t } = useTranslation();
  return (
    <Form.Item name="reason" label={t('access.reason.label')} rules={[{ max: 500 }]}>
      <Input.TextArea rows={2} maxLength={500} placeholder={t('access.reason.placeholder')} data-testid="reason-input" />
    </Form.Item>
  );
}

export interface ReasonRequest {
  title: string;
  danger?: boolean;
  run: (reason: string | undefined) => Promise<unknown>;
}

/** Confirms a permission change (disable, revoke, delete ...) and asks for an optional reason. */
export function ReasonModal({ request, onClose }: { request: ReasonRequest | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const close = () => {
    setReason('');
    onClose();
  };
  return (
    <Modal
      open={!!request}
      title={request?.title}
      okText={t('access.reason.confirm')}
      cancelText={t('access.reason.cancel')}
      okButtonProps={{ danger: request?.danger, loading: busy, ...testId('reason-confirm') }}
      onCancel={close}
      onOk={async () => {
        if (!request) return;
        setBusy(true);
        try {
          await request.run(reason.trim() || undefined);
        } finally {
          setBusy(false);
          close();
        }
      }}
      destroyOnHidden
    >
      <Typography.Text type="secondary">{t('access.reason.label')}</Typography.Text>
      <Input.TextArea rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t('access.reason.placeholder')} data-testid="reason-input" />
    </Modal>
  );
}
