import { useEffect, useState } from 'react';
import { Button, Card, DatePicker, Form, Input, InputNumber, Select, Space, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { contractsApi, type Template } from './contractsApi';
import { CustomFieldItems, customFieldsToApi } from './ux/MetadataEditor';
import { uxApi, type FieldDefinition } from './ux/uxApi';

interface FormValues {
  title: string;
  type: string;
  partyName?: string;
  partyUscc?: string;
  amountYuan?: number;
  startDate?: { format: (f: string) => string };
  endDate?: { format: (f: string) => string };
  sensitivity: string;
  body?: string;
  values?: Record<string, unknown>;
  signingDate?: { format: (f: string) => string };
  autoRenew?: boolean;
  tags?: string[];
  departmentId?: string;
  contactName?: string;
  contactPhone?: string;
  contactEmail?: string;
  customFields?: Record<string, unknown>;
}

export default function ContractNew() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [form] = Form.useForm<FormValues>();
  const [templates, setTemplates] = useState<Template[]>([]);
  const [templateId, setTemplateId] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const template = templates.find((x) => x.id === templateId);
  const [defs, setDefs] = useState<FieldDefinition[]>([]);
  const [departments, setDepartments] = useState<Array<{ id: string; name: string }>>([]);

  useEffect(() => {
    contractsApi.templates().then(setTemplates, setError);
    uxApi.fields().then(setDefs, () => setDefs([]));
    uxApi.departments().then(setDepartments, () => setDepartments([]));
  }, []);

  const save = async (v: FormValues) => {
    setSaving(true);
    setError(null);
    try {
      const values: Record<string, unknown> = {};
      for (const variable of template?.variables ?? []) {
        const raw = v.values?.[variable.name] as unknown;
        if (variable.type === 'date' && raw && typeof raw === 'object' && 'format' in raw) values[variable.name] = (raw as { format: (f: string) => string }).format('YYYY-MM-DD');
        else if (variable.type === 'amount' && typeof raw === 'number') values[variable.name] = Math.round(raw * 100);
        else values[variable.name] = raw;
      }
      const c = await contractsApi.create({
        title: v.title,
        type: v.type,
        counterparties:
          v.partyName && v.partyUscc
            ? [{ name: v.partyName, uscc: v.partyUscc, contact: Object.fromEntries(Object.entries({ name: v.contactName, phone: v.contactPhone, email: v.contactEmail }).filter(([, x]) => x)) }]
            : [],
        signingDate: v.signingDate?.format('YYYY-MM-DD'),
        autoRenew: !!v.autoRenew,
        tags: v.tags ?? [],
        departmentId: v.departmentId,
        customFields: customFieldsToApi(defs, v.customFields),
        amountFen: v.amountYuan === undefined || v.amountYuan === null ? undefined : Math.round(v.amountYuan * 100),
        startDate: v.startDate?.format('YYYY-MM-DD'),
        endDate: v.endDate?.format('YYYY-MM-DD'),
        sensitivity: v.sensitivity,
        ...(template ? { templateId: template.id, values } : { body: v.body ?? '' }),
      });
      navigate(`/tenant/contracts/${c.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card title={t('contracts.create.title')}>
      <ProblemAlert error={error} />
      <Form form={form} layout="vertical" onFinish={save} initialValues={{ sensitivity: 'internal', type: 'service' }} style={{ maxWidth: 820 }}>
        <Form.Item label={t('contracts.create.template')}>
          <Select
            data-testid="template-select"
            allowClear
            placeholder={t('contracts.create.noTemplate')}
            value={templateId}
            onChange={(id?: string) => {
              setTemplateId(id);
              const tp = templates.find((x) => x.id === id);
              if (tp) form.setFieldsValue({ type: tp.type, title: form.getFieldValue('title') || tp.name });
            }}
            options={templates.map((x) => ({ value: x.id, label: x.name }))}
          />
        </Form.Item>
        <Form.Item name="title" label={t('contracts.fields.title')} rules={[{ required: true, min: 2 }]}>
          <Input data-testid="contract-title" maxLength={200} />
        </Form.Item>
        <Space wrap>
          <Form.Item name="type" label={t('contracts.fields.type')} rules={[{ required: true }]}>
            <Input style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="sensitivity" label={t('contracts.fields.sensitivity')}>
            <Select style={{ width: 160 }} options={['public', 'internal', 'confidential', 'restricted'].map((s) => ({ value: s, label: t(`contracts.sensitivity.${s}`) }))} />
          </Form.Item>
          <Form.Item name="amountYuan" label={t('contracts.fields.amount')}>
            <InputNumber min={0} precision={2} style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="startDate" label={t('contracts.fields.startDate')}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="endDate" label={t('contracts.fields.endDate')}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="signingDate" label={t('contracts.fields.signingDate')}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="autoRenew" label={t('contracts.fields.autoRenew')} valuePropName="checked">
            <Switch data-testid="new-auto-renew" />
          </Form.Item>
        </Space>
        <Space wrap>
          <Form.Item name="tags" label={t('contracts.fields.tags')}>
            <Select mode="tags" data-testid="new-tags" style={{ minWidth: 240 }} />
          </Form.Item>
          {departments.length > 0 && (
            <Form.Item name="departmentId" label={t('contractsUx.meta.department')}>
              <Select allowClear style={{ width: 200 }} placeholder={t('contractsUx.meta.noDepartment')} options={departments.map((d) => ({ value: d.id, label: d.name }))} />
            </Form.Item>
          )}
        </Space>
        <Space wrap>
          <Form.Item name="partyName" label={t('contracts.fields.counterparty')}>
            <Input style={{ width: 320 }} />
          </Form.Item>
          <Form.Item name="partyUscc" label={t('contracts.fields.uscc')}>
            <Input style={{ width: 240 }} />
          </Form.Item>
          <Form.Item name="contactName" label={t('contractsUx.meta.contactName')}>
            <Input style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="contactPhone" label={t('contractsUx.meta.contactPhone')}>
            <Input style={{ width: 150 }} />
          </Form.Item>
          <Form.Item name="contactEmail" label={t('contractsUx.meta.contactEmail')}>
            <Input style={{ width: 220 }} />
          </Form.Item>
        </Space>
        <CustomFieldItems defs={defs} />
        {template ? (
          <Card size="small" title={t('contracts.create.values')} style={{ marginBottom: 16 }}>
            {template.variables.map((variable) => (
              <Form.Item key={variable.name} name={['values', variable.name]} label={variable.label ?? variable.name} rules={[{ required: true }]}>
                {variable.type === 'date' ? <DatePicker /> : variable.type === 'amount' ? <InputNumber min={0} precision={2} style={{ width: 200 }} /> : <Input />}
              </Form.Item>
            ))}
          </Card>
        ) : (
          <Form.Item name="body" label={t('contracts.fields.body')}>
            <Input.TextArea rows={14} />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" loading={saving} data-testid="save-contract">
          {t('contracts.create.save')}
        </Button>
      </Form>
    </Card>
  );
}
