import { Alert, Button, Form, Input } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { api, applyFieldErrors } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';
import AuthCard from '../auth/AuthCard';

/** /reset-password: ask for a link by e-mail, or (with ?token=) choose the new password. */
export default function ResetPassword() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get('token');
  const [form] = Form.useForm<{ email?: string; newPassword?: string }>();
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (v: { email?: string; newPassword?: string }) => {
    setError(null);
    setBusy(true);
    try {
      if (token) await api.post('/auth/password-reset/confirm', { token, newPassword: v.newPassword });
      else await api.post('/auth/password-reset', { email: v.email?.trim() });
      setDone(true);
    } catch (e) {
      applyFieldErrors(form, e, ['email', 'newPassword']);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title={t('security.reset.title')} subtitle={token ? t('security.reset.chooseHint') : t('security.reset.requestHint')}>
      {error ? <ProblemAlert error={error} extraErrors={[]} onClose={() => setError(null)} /> : null}
      {done ? (
        <Alert type="success" showIcon message={token ? t('security.reset.doneConfirm') : t('security.reset.doneRequest')} data-testid="reset-done" />
      ) : (
        <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
          {token ? (
            <Form.Item name="newPassword" label={t('security.reset.newPassword')} rules={[{ required: true, message: t('security.reset.newPassword') }]}>
              <Input.Password autoComplete="new-password" data-testid="reset-new-password" />
            </Form.Item>
          ) : (
            <Form.Item name="email" label={t('login.email')} rules={[{ required: true, type: 'email', message: t('validation.email') }]}>
              <Input type="email" autoComplete="username" data-testid="reset-email" />
            </Form.Item>
          )}
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="reset-submit">
            {token ? t('security.reset.confirm') : t('security.reset.request')}
          </Button>
        </Form>
      )}
      <div style={{ marginTop: 16, textAlign: 'center' }}>
        <Link to="/login">{t('security.login.back')}</Link>
      </div>
    </AuthCard>
  );
}
