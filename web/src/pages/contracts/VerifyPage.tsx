import { showDateTime } from '../../format';
import { useState } from 'react';
import { Alert, Card, List, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { contractsApi, type VerifyResult } from './contractsApi';

/** Public page: is this PDF exactly a document sealed by Pactum? */
export default function VerifyPage() {
  const { t } = useTranslation();
  const [r, setR] = useState<VerifyResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <Card style={{ maxWidth: 760, margin: '24px auto' }} title={t('contracts.verify.title')}>
      <Typography.Paragraph>{t('contracts.verify.help')}</Typography.Paragraph>
      <input
        type="file"
        accept="application/pdf"
        aria-label={t('contracts.verify.upload')}
        data-testid="verify-upload"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          if (!f) return;
          setError(null);
          setR(null);
          try {
            setR(await contractsApi.verify(f));
          } catch (err) {
            setError(err);
          }
        }}
      />
      <div style={{ marginTop: 16 }} data-testid="verify-result" data-valid={r ? String(r.valid) : undefined}>
        <ProblemAlert error={error} />
        {r && (
          <>
            <Alert type={r.valid ? 'success' : 'error'} showIcon title={r.valid ? t('contracts.verify.valid') : t('contracts.verify.invalid', { reason: r.reason ?? '' })} />
            {r.document && (
              <>
                <Typography.Paragraph style={{ marginTop: 12 }}>
                  {r.document.number} · {r.document.title} · {showDateTime(r.document.sealedAt)}
                </Typography.Paragraph>
                <List header={t('contracts.verify.signers')} dataSource={r.document.signers} renderItem={(s) => <List.Item>{s.party} · {s.name} · {showDateTime(s.signedAt)} · {t(`contracts.passkey.method.${s.method}`, { defaultValue: s.method })}</List.Item>} />
              </>
            )}
            <Typography.Text type="secondary" copyable>SHA-256 {r.sha256}</Typography.Text>
          </>
        )}
      </div>
    </Card>
  );
}
