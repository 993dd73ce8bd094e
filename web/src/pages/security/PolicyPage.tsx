import { App as AntApp, Button, Card, Checkbox, Form, Input, InputNumber, Radio, Space, Spin } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';
import { securityApi, type SecurityPolicy } from './securityApi';
import AnomalySettingsCard from './AnomalySettingsCard';

type Values = Omit<SecurityPolicy, 'ipAllowlist'> & { ipAllowlist: string };
const FIELDS = ['mfaRequired', 'allowedMethods', 'passwordMinLength', 'sessionIdleMinutes', 'sessionAbsoluteMinutes', 'ipAllowlist', 'auditRetentionDays'];

/** Tenant admins: the tenant's security policy (the server enforces every field). */
export default function PolicyPage() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<Values>();
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    securityApi
      .policy()
      .then((p) => {
        form.setFieldsValue({ ...p, ipAllowlist: p.ipAllowlist.join('\n') });
        setLoaded(true);
      })
      .catch(setError);
  }, [form]);

  const save = async (v: Values) => {
    setError(null);
    const body: SecurityPolicy = { ...v, ipAllowlist: v.ipAllowlist.split(/\s+/).map((s) => s.trim()).filter(Boolean) };
    try {
      const p = await securityApi.savePolicy(body);
      form.setFieldsValue({ ...p, ipAllowlist: p.ipAllowlist.join('\n') });
      message.success(t('security.policy.saved'));
    } catch (e) {
      applyFieldErrors(form, e, FIELDS);
      setError(e);
    }
  };

  if (!loaded && !error) return <Spin />;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card title={t('security.policy.title')}>
        {error ? <ProblemAlert error={error} extraErrors={[]} onClose={() => setError(null)} /> : null}
        <Form<Values> form={form} layout="vertical" onFinish={(v) => void save(v)} style={{ maxWidth: 640 }}>
          <Form.Item name="mfaRequired" label={t('security.policy.mfaRequired')}>
            <Radio.Group data-testid="policy-mfa">
              <Radio value="off">{t('security.policy.mfaOff')}</Radio>
              <Radio value="admins">{t('security.policy.mfaAdmins')}</Radio>
              <Radio value="all">{t('security.policy.mfaAll')}</Radio>
            </Radio.Group>
          </Form.Item>
          <Form.Item name="allowedMethods" label={t('security.policy.methods')}>
            <Checkbox.Group options={(['totp', 'webauthn', 'sms', 'recovery'] as const).map((m) => ({ value: m, label: t(`security.methods.${m}`) }))} />
          </Form.Item>
          <Form.Item name="passwordMinLength" label={t('security.policy.passwordMin')}>
            <InputNumber min={10} max={128} />
          </Form.Item>
          <Form.Item name="sessionIdleMinutes" label={t('security.policy.idle')}>
            <InputNumber min={5} max={1440} />
          </Form.Item>
          <Form.Item name="sessionAbsoluteMinutes" label={t('security.policy.absolute')}>
            <InputNumber min={15} max={10080} />
          </Form.Item>
          <Form.Item name="ipAllowlist" label={t('security.policy.ipAllowlist')}>
            <Input.TextArea rows={4} placeholder={'192.168.0.0/16\n2001:db8::/32'} data-testid="policy-allowlist" />
          </Form.Item>
          <Form.Item name="auditRetentionDays" label={t('security.policy.retention')}>
            <InputNumber min={180} max={36500} />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="policy-save">
            {t('security.policy.save')}
          </Button>
        </Form>
      </Card>
      <AnomalySettingsCard />
    </Space>
  );
}
