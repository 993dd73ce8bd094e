import { Alert, Button, Form, Input, Modal, Radio, Space, Typography } from 'antd';
import { KeyOutlined } from '@ant-design/icons';
import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, setReauthHandler } from '../api';
import ProblemAlert from './ProblemAlert';
import { testId } from '../testid';
import type { MfaMethod, MfaStatus } from '../pages/security/securityApi';

type Method = 'password' | MfaMethod;

/**
 * The one re-authentication dialog of the SPA. Any API call answered with 403 `reauth_required` (roles,
 * entitlements, exports, factor changes, ...) opens it; the user confirms with the password or one of their
 * second factors (authenticator code, SMS code, passkey, recovery code) as the policy allows, and the call is
 * retried. Concurrent calls share one dialog. Cancelling lets the original error through.
 */
export default function ReauthDialog() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [methods, setMethods] = useState<Method[]>(['password']);
  const [method, setMethod] = useState<Method>('password');
  const [secret, setSecret] = useState('');
  const [smsInfo, setSmsInfo] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const pending = useRef<{ promise: Promise<boolean>; resolve: (ok: boolean) => void } | null>(null);

  useEffect(
    () =>
      setReauthHandler(() => {
        if (pending.current) return pending.current.promise;
        let resolve!: (ok: boolean) => void;
        const promise = new Promise<boolean>((r) => (resolve = r));
        pending.current = { promise, resolve };
        setSecret('');
        setSmsInfo(null);
        setError(null);
        setMethod('password');
        setMethods(['password']);
        setOpen(true);
        // The user's factors, as the policy allows them (best effort: the password always works).
        api
          .get<MfaStatus>('/security/mfa')
          .then((s) => {
            const m: Method[] = ['password'];
            const allowed = (x: MfaMethod) => s.allowedMethods.includes(x);
            if (s.totp.enrolled && allowed('totp')) m.push('totp');
            if (s.sms?.verified && allowed('sms')) m.push('sms');
            if (s.passkeys.length && allowed('webauthn') && browserSupportsWebAuthn()) m.push('webauthn');
            if (s.recoveryCodesLeft > 0 && m.length > 1) m.push('recovery');
            setMethods(m);
          })
          .catch(() => undefined);
        return promise;
      }),
    [],
  );

  const close = (ok: boolean) => {
    setOpen(false);
    const p = pending.current;
    pending.current = null;
    p?.resolve(ok);
  };

  const confirm = async (body: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await api.post('/auth/reauth', body);
      close(true);
    } catch (e) {
      setError(e);
      setSecret('');
    } finally {
      setBusy(false);
    }
  };

  const submit = () => {
    if (method === 'password') return confirm({ password: secret });
    if (method === 'webauthn') return usePasskey();
    return confirm({ method, code: secret.trim() });
  };

  const usePasskey = async () => {
    setError(null);
    try {
      const options = await api.post<Record<string, unknown>>('/auth/reauth/options');
      const response = await startAuthentication({ optionsJSON: options as never });
      await confirm({ method: 'webauthn', webauthnResponse: response });
    } catch (e) {
      setError(e);
    }
  };

  const sendSms = async () => {
    setError(null);
    try {
      const r = await api.post<{ sentTo: string }>('/auth/reauth/sms');
      setSmsInfo(t('security.reauth.smsSent', { phone: r.sentTo }));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Modal
      open={open}
      title={t('security.reauth.title')}
      okText={t('security.reauth.confirm')}
      okButtonProps={{ ...(testId('reauth-confirm') as Record<string, string>), loading: busy, disabled: method === 'webauthn' }}
      onOk={() => void submit()}
      onCancel={() => close(false)}
      destroyOnHidden
    >
      <div data-testid="reauth-dialog">
      <Typography.Paragraph>{t('security.reauth.intro')}</Typography.Paragraph>
      {error ? <ProblemAlert error={error} extraErrors={[]} onClose={() => setError(null)} /> : null}
      <Form layout="vertical" onFinish={() => void submit()}>
        {methods.length > 1 ? (
          <Form.Item label={t('security.reauth.method')}>
            <Radio.Group
              value={method}
              onChange={(e) => {
                setMethod(e.target.value as Method);
                setSecret('');
                setError(null);
              }}
              data-testid="reauth-method"
            >
              {methods.map((m) => (
                <Radio.Button key={m} value={m} data-testid={`reauth-method-${m}`}>
                  {m === 'password' ? t('security.reauth.byPassword') : t(`security.methods.${m}`)}
                </Radio.Button>
              ))}
            </Radio.Group>
          </Form.Item>
        ) : null}
        {method === 'password' ? (
          <Form.Item label={t('security.reauth.password')}>
            <Input.Password value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="current-password" autoFocus data-testid="reauth-password" />
          </Form.Item>
        ) : method === 'webauthn' ? (
          <Button block icon={<KeyOutlined />} onClick={() => void usePasskey()} loading={busy} data-testid="reauth-passkey">
            {t('security.reauth.usePasskey')}
          </Button>
        ) : (
          <>
            {method === 'sms' ? (
              <Space direction="vertical" style={{ marginBottom: 12, width: '100%' }}>
                <Button onClick={() => void sendSms()} data-testid="reauth-send-sms">
                  {t('security.reauth.sendSms')}
                </Button>
                {smsInfo ? <Alert type="info" showIcon message={smsInfo} /> : null}
              </Space>
            ) : null}
            <Form.Item label={t('security.reauth.code')}>
              <Input value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="one-time-code" inputMode={method === 'recovery' ? 'text' : 'numeric'} autoFocus data-testid="reauth-code" />
            </Form.Item>
          </>
        )}
        <button type="submit" hidden />
      </Form>
      </div>
    </Modal>
  );
}
