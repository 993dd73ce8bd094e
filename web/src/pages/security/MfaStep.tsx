import { Alert, Button, Form, Input, Radio, Space, Typography } from 'antd';
import { KeyOutlined } from '@ant-design/icons';
import { startAuthentication } from '@simplewebauthn/browser';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';
import type { Me } from '../../types';
import type { MfaChallenge, MfaMethod } from './securityApi';

/** The second sign-in step: code (TOTP, SMS, recovery) or a passkey. */
export default function MfaStep({ challenge, onDone, onCancel }: { challenge: MfaChallenge; onDone: (me: Me) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const codeMethods = challenge.methods.filter((m) => m !== 'webauthn');
  const [method, setMethod] = useState<MfaMethod>(codeMethods[0] ?? 'webauthn');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [smsInfo, setSmsInfo] = useState<string | null>(null);

  const finish = async (body: Record<string, unknown>) => {
    setError(null);
    setBusy(true);
    try {
      onDone(await api.post<Me>('/auth/login/mfa', { challengeId: challenge.challengeId, ...body }));
    } catch (e) {
      setError(e);
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  const usePasskey = async () => {
    try {
      const response = await startAuthentication({ optionsJSON: challenge.webauthn as never });
      await finish({ method: 'webauthn', webauthnResponse: response });
    } catch (e) {
      setError(e);
    }
  };

  const sendSms = async () => {
    setError(null);
    try {
      const r = await api.post<{ sentTo: string }>('/auth/login/mfa/sms', { challengeId: challenge.challengeId });
      setSmsInfo(t('security.login.smsSent', { phone: r.sentTo }));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div data-testid="mfa-step">
      <Typography.Paragraph>{t('security.login.intro')}</Typography.Paragraph>
      {error ? <ProblemAlert error={error} extraErrors={[]} onClose={() => setError(null)} /> : null}
      {challenge.methods.includes('webauthn') && challenge.webauthn ? (
        <Button block size="large" icon={<KeyOutlined />} onClick={() => void usePasskey()} loading={busy} style={{ marginBottom: 16 }} data-testid="mfa-passkey">
          {t('security.login.usePasskey')}
        </Button>
      ) : null}
      {codeMethods.length ? (
        <Form layout="vertical" onFinish={() => void finish({ method, code: code.trim() })}>
          {codeMethods.length > 1 ? (
            <Form.Item label={t('security.login.method')}>
              <Radio.Group value={method} onChange={(e) => setMethod(e.target.value as MfaMethod)} data-testid="mfa-method">
                {codeMethods.map((m) => (
                  <Radio.Button key={m} value={m}>
                    {t(`security.methods.${m}`)}
                  </Radio.Button>
                ))}
              </Radio.Group>
            </Form.Item>
          ) : null}
          {method === 'sms' ? (
            <Space direction="vertical" style={{ marginBottom: 12, width: '100%' }}>
              <Button onClick={() => void sendSms()} data-testid="mfa-send-sms">
                {t('security.login.sendSms')}
              </Button>
              {smsInfo ? <Alert type="info" showIcon message={smsInfo} /> : null}
            </Space>
          ) : null}
          <Form.Item label={t('security.login.code')}>
            <Input
              size="large"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              autoComplete="one-time-code"
              inputMode={method === 'recovery' ? 'text' : 'numeric'}
              maxLength={32}
              autoFocus
              data-testid="mfa-code"
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy} disabled={!code.trim()} data-testid="mfa-submit">
            {t('security.login.submit')}
          </Button>
        </Form>
      ) : null}
      <Button type="link" block onClick={onCancel} style={{ marginTop: 8 }}>
        {t('security.login.back')}
      </Button>
    </div>
  );
}
