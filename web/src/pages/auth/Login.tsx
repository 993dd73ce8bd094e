import { Button, Form, Input } from 'antd';
import { LockOutlined, MailOutlined } from '@ant-design/icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { api, applyFieldErrors } from '../../api';
import { homePathFor, useAuth } from '../../auth';
import ProblemAlert from '../../components/ProblemAlert';
import type { Me } from '../../types';
import AuthCard from './AuthCard';
import MfaStep from '../security/MfaStep';
import type { MfaChallenge } from '../security/securityApi';

interface LoginValues {
  email: string;
  password: string;
}

/** Only same-app relative paths are accepted as post-login targets. */
function safeNext(raw: string | null): string | null {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return null;
  // Normalise (dot segments, encoded slashes) before deciding, and stay on this origin.
  let next: string;
  try {
    const u = new URL(raw, window.location.origin);
    if (u.origin !== window.location.origin) return null;
    next = `${u.pathname}${u.search}${u.hash}`;
  } catch {
    return null;
  }
  if (next.startsWith('/login') || next.startsWith('/change-password')) return null;
  return next;
}

function nextAllowedFor(me: Me, next: string | null): boolean {
  if (!next) return false;
  if (next.startsWith('/platform')) return me.user.kind === 'platform';
  if (next.startsWith('/tenant')) return me.user.kind === 'tenant';
  return true;
}

export default function Login() {
  const { t } = useTranslation();
  const { me, setMe } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [form] = Form.useForm<LoginValues>();
  const [error, setError] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState(false);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const next = safeNext(params.get('next'));

  if (me && !submitting) {
    return <Navigate to={me.user.mustChangePassword ? '/change-password' : nextAllowedFor(me, next) ? next! : homePathFor(me)} replace />;
  }

  const signedIn = (result: Me) => {
    setMe(result);
    if (result.user.mustChangePassword) navigate('/change-password', { replace: true });
    else navigate(nextAllowedFor(result, next) ? next! : homePathFor(result), { replace: true });
  };

  if (challenge) {
    return (
      <AuthCard title={t('security.login.title')} subtitle={t('login.subtitle')}>
        <MfaStep
          challenge={challenge}
          onDone={(result) => {
            setSubmitting(true);
            signedIn(result);
            setSubmitting(false);
          }}
          onCancel={() => setChallenge(null)}
        />
      </AuthCard>
    );
  }

  const onFinish = async (values: LoginValues) => {
    setError(null);
    setSubmitting(true);
    try {
      const result = await api.post<Me | MfaChallenge>('/auth/login', { email: values.email.trim(), password: values.password });
      if ('mfaRequired' in result) {
        setChallenge(result);
        return;
      }
      signedIn(result);
    } catch (e) {
      applyFieldErrors(form, e, ['email', 'password']);
      setError(e);
      form.setFieldValue('password', '');
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <AuthCard title={t('login.title')} subtitle={t('login.subtitle')}>
      {error ? <ProblemAlert error={error} extraErrors={[]} onClose={() => setError(null)} /> : null}
      <Form<LoginValues> form={form} layout="vertical" onFinish={(v) => void onFinish(v)} requiredMark={false}>
        <Form.Item
          name="email"
          label={t('login.email')}
          rules={[
            { required: true, message: t('validation.required', { field: t('login.email') }) },
            { type: 'email', message: t('validation.email') },
          ]}
        >
          <Input prefix={<MailOutlined />} type="email" autoComplete="username" data-testid="login-email" size="large" />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('login.password')}
          rules={[{ required: true, message: t('validation.required', { field: t('login.password') }) }]}
        >
          <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="login-password" size="large" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={submitting} data-testid="login-submit">
          {t('login.submit')}
        </Button>
      </Form>
      <div style={{ marginTop: 12, textAlign: 'right' }}>
        <Link to="/reset-password" data-testid="forgot-password">{t('security.reset.forgot')}</Link>
      </div>
      <div style={{ marginTop: 16, textAlign: 'center' }}>
        {t('login.noAccount')} <Link to="/register">{t('login.registerLink')}</Link>
      </div>
    </AuthCard>
  );
}
