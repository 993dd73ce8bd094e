import { Alert, App, Button, Form, Input } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { api, applyFieldErrors, type ProblemFieldError } from '../../api';
import { homePathFor, useAuth } from '../../auth';
import ProblemAlert from '../../components/ProblemAlert';
import AuthCard from './AuthCard';

interface PasswordValues {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

export default function ChangePassword() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { me, refresh } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<PasswordValues>();
  const [error, setError] = useState<unknown>(null);
  const [extraErrors, setExtraErrors] = useState<ProblemFieldError[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const forced = !!me?.user.mustChangePassword;

  const onFinish = async (values: PasswordValues) => {
    setError(null);
    setSubmitting(true);
    try {
      await api.post('/auth/password', { currentPassword: values.currentPassword, newPassword: values.newPassword });
      message.success(t('password.changed'));
      const updated = await refresh();
      navigate(homePathFor(updated), { replace: true });
    } catch (e) {
      const unmapped = applyFieldErrors(form, e, ['currentPassword', 'newPassword']);
      setExtraErrors(unmapped);
      setError(e);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <AuthCard title={t('password.title')} subtitle={forced ? undefined : t('password.subtitle')}>
      {forced && (
        <Alert type="warning" showIcon title={t('password.forced')} style={{ marginBottom: 16 }} data-testid="password-forced" />
      )}
      {error ? <ProblemAlert error={error} extraErrors={extraErrors} onClose={() => setError(null)} /> : null}
      <Form<PasswordValues>
        form={form}
        layout="vertical"
        onFinish={(v) => void onFinish(v)}
        // A new attempt (or a client-side check failing) clears the previous server answer.
        onValuesChange={() => error && setError(null)}
        onFinishFailed={() => setError(null)}
        requiredMark={false}
      >
        <Form.Item
          name="currentPassword"
          label={t('password.current')}
          rules={[{ required: true, message: t('validation.required', { field: t('password.current') }) }]}
        >
          <Input.Password autoComplete="current-password" data-testid="current-password" />
        </Form.Item>
        <Form.Item
          name="newPassword"
          label={t('password.new')}
          extra={t('password.hint')}
          rules={[
            { required: true, message: t('validation.required', { field: t('password.new') }) },
            ({ getFieldValue }) => ({
              validator: (_, value: string | undefined) =>
                value && value === getFieldValue('currentPassword')
                  ? Promise.reject(new Error(t('password.sameAsCurrent')))
                  : Promise.resolve(),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" data-testid="new-password" />
        </Form.Item>
        <Form.Item
          name="confirmPassword"
          label={t('password.confirm')}
          dependencies={['newPassword']}
          rules={[
            { required: true, message: t('validation.required', { field: t('password.confirm') }) },
            ({ getFieldValue }) => ({
              validator: (_, value: string | undefined) =>
                !value || value === getFieldValue('newPassword')
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('password.mismatch'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" data-testid="confirm-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={submitting} data-testid="change-password-submit">
          {t('password.submit')}
        </Button>
      </Form>
    </AuthCard>
  );
}
