import { Button, Card, Form, Input, Result, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { applyFieldErrors } from '../../api';
import { accessApi } from './accessApi';

/** Public page behind the invitation link: the invitee confirms the e-mail and sets name and password. */
export default function AcceptInvitation() {
  const { t } = useTranslation();
  const { token = '' } = useParams();
  const [info, setInfo] = useState<{ email: string; tenantName: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [form] = Form.useForm<{ email: string; name: string; password: string }>();
  useEffect(() => {
    accessApi.invitation(token).then(setInfo, setError);
  }, [token]);
  if (done) return <Result status="success" title={t('access.invitation.done')} extra={<Link to="/login"><Button type="primary">{t('access.invitation.login')}</Button></Link>} />;
  return (
    <Card title={t('access.invitation.title')} style={{ maxWidth: 480, margin: '40px auto' }}>
      <ProblemAlert error={error} />
      {info && (
        <>
          <Typography.Paragraph>{t('access.invitation.intro', { tenant: info.tenantName })}</Typography.Paragraph>
          <Form
            form={form}
            layout="vertical"
            onFinish={async (v) => {
              try {
                setError(null);
                await accessApi.accept(token, v);
                setDone(true);
              } catch (e) {
                applyFieldErrors(form, e, ['email', 'name', 'password']);
                setError(e);
              }
            }}
          >
            <Form.Item name="email" label={t('access.invitation.email')} rules={[{ required: true, type: 'email' }]}>
              <Input data-testid="accept-email" autoComplete="email" />
            </Form.Item>
            <Form.Item name="name" label={t('access.invitation.name')} rules={[{ required: true, max: 100 }]}>
              <Input data-testid="accept-name" autoComplete="name" />
            </Form.Item>
            <Form.Item name="password" label={t('access.invitation.password')} rules={[{ required: true, min: 10 }]}>
              <Input.Password data-testid="accept-password" autoComplete="new-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" data-testid="accept-submit" block>{t('access.invitation.submit')}</Button>
          </Form>
        </>
      )}
    </Card>
  );
}
