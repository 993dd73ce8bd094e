import { useEffect, useState } from 'react';
import { Alert, Button, Card, Input, Result, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { contractsApi, yuan } from './contractsApi';
import { DeclineButton, signingFlowApi } from './SigningFlow';

type View = Awaited<ReturnType<typeof contractsApi.publicView>>;

/** Public page of a counterparty signer: `/sign/:token` (no account). */
export default function SignPage() {
  const { token = '' } = useParams();
  const { t } = useTranslation();
  const [v, setV] = useState<View | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [declined, setDeclined] = useState(false);

  useEffect(() => {
    contractsApi.publicView(token).then(setV, setError);
  }, [token]);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (declined) return <Result status="info" title={t('contracts.signingFlow.declined')} data-testid="sign-declined" />;
  if (done) return <Result status="success" title={t('contracts.sign.done')} data-testid="sign-done" />;
  if (!v) return <Card loading={!error} style={{ maxWidth: 900, margin: '24px auto' }}><ProblemAlert error={error} /></Card>;
  return (
    <Card style={{ maxWidth: 900, margin: '24px auto' }} title={`${t('contracts.sign.title')} · ${v.contract.number}`}>
      <ProblemAlert error={error} />
      <Typography.Title level={4}>{v.contract.title}</Typography.Title>
      <Typography.Paragraph type="secondary">
        {t('contracts.sign.issuer')}：{v.contract.issuer} · {yuan(v.contract.amountFen)} · {v.signer.name}（{v.signer.partyName}）
      </Typography.Paragraph>
      <pre style={{ whiteSpace: 'pre-wrap', fontFamily: 'inherit', maxHeight: 480, overflow: 'auto', border: '1px solid #eee', padding: 12 }}>{v.contract.body}</pre>
      {v.yourTurn ? (
        <Space orientation="vertical">
          <Alert type="info" title={sentTo ? t('contracts.sign.codeSent', { to: sentTo }) : t('contracts.sign.yourTurn')} />
          <Space>
            <Button loading={busy} onClick={() => run(async () => setSentTo((await contractsApi.publicCode(token)).sentTo))}>{t('contracts.detail.requestCode')}</Button>
            <Input data-testid="sign-code" maxLength={6} style={{ width: 140 }} placeholder={t('contracts.detail.code')} value={code} onChange={(e) => setCode(e.target.value)} />
            <Button type="primary" data-testid="sign-button" loading={busy} onClick={() => run(async () => { await contractsApi.publicSign(token, code); setDone(true); })}>
              {t('contracts.detail.sign')}
            </Button>
            <DeclineButton onDecline={(reason) => signingFlowApi.publicDecline(token, reason)} onDone={() => setDeclined(true)} />
          </Space>
        </Space>
      ) : (
        <Alert type="warning" title={t('contracts.sign.notYourTurn')} />
      )}
    </Card>
  );
}
