import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Form, Select, Space, Typography, App as AntApp } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';

/** Permissions a tenant is likely to gate behind training; any permission may be picked. */
const PERMISSIONS = [
  'contracts.download', 'contracts.view', 'contracts.create', 'contracts.edit', 'contracts.submit', 'contracts.delete_draft', 'templates.manage',
  'contracts.approve', 'contracts.sign', 'contracts.archive', 'analytics.view', 'api_keys.manage', 'users.manage', 'roles.manage', 'audit.view',
  'billing.view', 'billing.pay', 'data.export', 'backups.manage', 'support.use',
];

interface Gate {
  permission: string;
  courseId: string;
}

/** Tenant admins: which permission needs which completed course (checked by the access decision). */
export default function TrainingGatesCard({ courses }: { courses: Array<{ id: string; title: string }> }) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ gates: Gate[] }>();
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api
      .get<{ items: Gate[] }>('/security/training/gates')
      .then((r) => form.setFieldsValue({ gates: r.items.map((g) => ({ permission: g.permission, courseId: g.courseId })) }))
      .catch(setError);
  }, [form]);

  const save = async (v: { gates?: Gate[] }) => {
    setError(null);
    try {
      await api.put('/security/training/gates', { gates: v.gates ?? [] });
      void message.success(t('security.ops.gates.saved'));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Card title={t('security.ops.gates.title')} data-testid="training-gates">
      <Typography.Paragraph type="secondary">{t('security.ops.gates.intro')}</Typography.Paragraph>
      {error ? <ProblemAlert error={error} onClose={() => setError(null)} /> : null}
      <Form form={form} onFinish={(v) => void save(v)} initialValues={{ gates: [] }}>
        <Form.List name="gates">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="baseline" wrap>
                  <Form.Item name={[f.name, 'permission']} rules={[{ required: true, message: t('security.ops.gates.permission') }]}>
                    <Select style={{ width: 220 }} placeholder={t('security.ops.gates.permission')} options={PERMISSIONS.map((p) => ({ value: p, label: t(`perms.${p}`, { defaultValue: p }) }))} data-testid="gate-permission" />
                  </Form.Item>
                  <Form.Item name={[f.name, 'courseId']} rules={[{ required: true, message: t('security.ops.gates.course') }]}>
                    <Select style={{ width: 260 }} placeholder={t('security.ops.gates.course')} options={courses.map((c) => ({ value: c.id, label: c.title }))} data-testid="gate-course" />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Form.Item>
                <Button type="dashed" onClick={() => add()} icon={<PlusOutlined />} data-testid="gate-add">
                  {t('security.ops.gates.add')}
                </Button>
              </Form.Item>
            </>
          )}
        </Form.List>
        <Button type="primary" htmlType="submit" data-testid="gates-save">
          {t('security.ops.gates.save')}
        </Button>
      </Form>
    </Card>
  );
}
