import { Alert, App as AntApp, Button, Card, Image, Input, List, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../auth';
import ProblemAlert from '../../components/ProblemAlert';
import { testId } from '../../testid';
import { securityApi, type FactorChange, type MfaStatus, type SessionItem } from './securityApi';
import { showDateTime } from '../../format';

/** Every user's own security page: second factors, recovery codes, passkeys, SMS, sessions. */
export default function SecurityPage() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const { me } = useAuth();
  const [status, setStatus] = useState<MfaStatus | null>(null);
  const [sessions, setSessions] = useState<SessionItem[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [totp, setTotp] = useState<{ secret: string; qrDataUrl: string } | null>(null);
  const [totpCode, setTotpCode] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [others, setOthers] = useState(0);
  const [passkeyName, setPasskeyName] = useState('');
  const [phone, setPhone] = useState('');
  const [sms, setSms] = useState<{ challengeId: string; code: string } | null>(null);

  const load = useCallback(async () => {
    try {
      const [s, l] = await Promise.all([securityApi.status(), securityApi.sessions().catch(() => ({ items: [] }))]);
      setStatus(s);
      setSessions(l.items);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  /** Runs a factor change (a stale session is asked to re-authenticate by the app-wide dialog, then retried). */
  const guarded = async (fn: () => Promise<void>) => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    }
  };
  const changed = (r: FactorChange) => {
    if (r.recoveryCodes?.length) setRecoveryCodes(r.recoveryCodes);
    setOthers(r.otherSessions);
    void load();
  };

  const passkeySupported = typeof window !== 'undefined' && browserSupportsWebAuthn();
  const allowed = (m: string) => !status || status.allowedMethods.includes(m as never);

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('security.title')}</Typography.Title>
      {me && (me.user as { mfaSetupRequired?: boolean }).mfaSetupRequired ? <Alert type="warning" showIcon message={t('security.mfa.required')} /> : null}
      {error ? <ProblemAlert error={error} extraErrors={[]} onClose={() => setError(null)} /> : null}
      {others > 0 ? (
        <Alert
          type="info"
          showIcon
          message={t('security.mfa.otherSessions', { n: others })}
          action={
            <Button
              size="small"
              data-testid="end-other-sessions"
              onClick={() =>
                void guarded(async () => {
                  const r = await securityApi.endOthers();
                  message.success(t('security.sessions.ended', { n: r.ended }));
                  setOthers(0);
                  await load();
                })
              }
            >
              {t('security.mfa.endOthers')}
            </Button>
          }
        />
      ) : null}
      {recoveryCodes ? (
        <Alert
          type="warning"
          message={t('security.mfa.recoveryTitle')}
          description={
            <div>
              <Typography.Paragraph>{t('security.mfa.recoveryHint')}</Typography.Paragraph>
              <pre data-testid="recovery-codes" style={{ fontSize: 16, columns: 2 }}>
                {recoveryCodes.join('\n')}
              </pre>
            </div>
          }
          closable
          onClose={() => setRecoveryCodes(null)}
        />
      ) : null}

      <Card title={t('security.mfa.title')}>
        <Typography.Paragraph type="secondary">{t('security.mfa.intro')}</Typography.Paragraph>
        {allowed('totp') ? (
          <Card type="inner" title={t('security.mfa.totp')} style={{ marginBottom: 16 }} extra={<Tag color={status?.totp.enrolled ? 'green' : 'default'}>{status?.totp.enrolled ? t('security.mfa.totpOn') : t('security.mfa.totpOff')}</Tag>}>
            {status?.totp.enrolled ? (
              <Popconfirm title={t('security.mfa.totpRemove')} onConfirm={() => void guarded(async () => changed(await securityApi.totpRemove()))}>
                <Button danger data-testid="totp-remove">{t('security.mfa.totpRemove')}</Button>
              </Popconfirm>
            ) : totp ? (
              <Space direction="vertical">
                <Typography.Text>{t('security.mfa.totpScan')}</Typography.Text>
                <Image src={totp.qrDataUrl} width={220} preview={false} alt="TOTP QR" data-testid="totp-qr" />
                <Typography.Text code copyable data-testid="totp-secret">
                  {totp.secret}
                </Typography.Text>
                <Space.Compact>
                  <Input placeholder={t('security.mfa.totpCode')} value={totpCode} onChange={(e) => setTotpCode(e.target.value)} maxLength={6} inputMode="numeric" autoComplete="one-time-code" data-testid="totp-code" />
                  <Button
                    type="primary"
                    disabled={totpCode.trim().length !== 6}
                    data-testid="totp-confirm"
                    onClick={() =>
                      void guarded(async () => {
                        changed(await securityApi.totpConfirm(totpCode.trim()));
                        setTotp(null);
                        setTotpCode('');
                      })
                    }
                  >
                    {t('security.mfa.totpConfirm')}
                  </Button>
                </Space.Compact>
              </Space>
            ) : (
              <Button type="primary" data-testid="totp-enrol" onClick={() => void guarded(async () => setTotp(await securityApi.totpBegin()))}>
                {t('security.mfa.totpEnrol')}
              </Button>
            )}
          </Card>
        ) : null}

        {allowed('webauthn') ? (
          <Card type="inner" title={t('security.mfa.passkeys')} style={{ marginBottom: 16 }}>
            <List
              dataSource={status?.passkeys ?? []}
              locale={{ emptyText: t('security.mfa.none') }}
              renderItem={(p) => (
                <List.Item
                  data-testid="passkey-row"
                  actions={[
                    <Button key="rm" danger size="small" onClick={() => void guarded(async () => changed(await securityApi.passkeyRemove(p.id)))}>
                      {t('security.mfa.passkeyRemove')}
                    </Button>,
                  ]}
                >
                  <List.Item.Meta title={p.name} description={p.lastUsedAt ? `${t('security.mfa.lastUsed')}: ${showDateTime(p.lastUsedAt)}` : null} />
                </List.Item>
              )}
            />
            {passkeySupported ? (
              <Space.Compact style={{ marginTop: 8 }}>
                <Input placeholder={t('security.mfa.passkeyName')} value={passkeyName} onChange={(e) => setPasskeyName(e.target.value)} maxLength={60} data-testid="passkey-name" />
                <Button
                  data-testid="passkey-add"
                  onClick={() =>
                    void guarded(async () => {
                      const options = await securityApi.passkeyOptions();
                      const response = await startRegistration({ optionsJSON: options as never });
                      changed(await securityApi.passkeyRegister(response, passkeyName.trim() || 'Passkey'));
                      setPasskeyName('');
                    })
                  }
                >
                  {t('security.mfa.passkeyAdd')}
                </Button>
              </Space.Compact>
            ) : (
              <Typography.Text type="secondary">{t('security.mfa.passkeyUnsupported')}</Typography.Text>
            )}
          </Card>
        ) : null}

        {allowed('sms') ? (
          <Card type="inner" title={t('security.mfa.sms')} style={{ marginBottom: 16 }}>
            {status?.sms?.verified ? (
              <Space>
                <Typography.Text>{t('security.mfa.smsVerified', { phone: status.sms.phone })}</Typography.Text>
                <Button danger size="small" onClick={() => void guarded(async () => changed(await securityApi.smsRemove()))}>
                  {t('security.mfa.smsRemove')}
                </Button>
              </Space>
            ) : (
              <Space wrap>
                <Input placeholder={t('security.mfa.smsPhone')} value={phone} onChange={(e) => setPhone(e.target.value)} style={{ width: 200 }} data-testid="sms-phone" />
                <Button onClick={() => void guarded(async () => setSms({ challengeId: (await securityApi.smsBegin(phone.trim())).challengeId, code: '' }))}>{t('security.mfa.smsSend')}</Button>
                {sms ? (
                  <>
                    <Input placeholder={t('security.mfa.smsCode')} value={sms.code} onChange={(e) => setSms({ ...sms, code: e.target.value })} style={{ width: 140 }} data-testid="sms-code" />
                    <Button type="primary" onClick={() => void guarded(async () => { changed(await securityApi.smsConfirm(sms.challengeId, sms.code.trim())); setSms(null); })}>
                      {t('security.mfa.smsVerify')}
                    </Button>
                  </>
                ) : null}
              </Space>
            )}
          </Card>
        ) : null}

        <Space>
          <Typography.Text>{t('security.mfa.recoveryLeft', { n: status?.recoveryCodesLeft ?? 0 })}</Typography.Text>
          <Button size="small" onClick={() => void guarded(async () => changed(await securityApi.recoveryRegenerate()))} data-testid="recovery-regenerate">
            {t('security.mfa.recoveryRegenerate')}
          </Button>
        </Space>
      </Card>

      <Card
        title={t('security.sessions.title')}
        extra={
          <Button
            onClick={() =>
              void guarded(async () => {
                const r = await securityApi.endOthers();
                message.success(t('security.sessions.ended', { n: r.ended }));
                await load();
              })
            }
          >
            {t('security.sessions.endOthers')}
          </Button>
        }
      >
        <Table<SessionItem>
          rowKey="id"
          dataSource={sessions}
          pagination={false}
          onRow={() => testId('session-row')}
          columns={[
            { title: t('security.sessions.device'), dataIndex: 'userAgent', render: (v: string | null, r) => <Space>{v ?? '—'}{r.current ? <Tag color="blue">{t('security.sessions.current')}</Tag> : null}</Space> },
            { title: t('security.sessions.ip'), dataIndex: 'ip' },
            { title: t('security.sessions.created'), dataIndex: 'createdAt', render: (v: string) => showDateTime(v) },
            { title: t('security.sessions.lastSeen'), dataIndex: 'lastSeenAt', render: (v: string) => showDateTime(v) },
            {
              title: '',
              render: (_, r) =>
                r.current ? null : (
                  <Button size="small" danger data-testid="session-revoke" onClick={() => void guarded(async () => { await securityApi.revoke(r.id); await load(); })}>
                    {t('security.sessions.revoke')}
                  </Button>
                ),
            },
          ]}
        />
      </Card>

    </Space>
  );
}
