import { useEffect, useState } from 'react';
import { Button, Card, Checkbox, Input, InputNumber, Select, Space, Switch, Table, Tabs, Tag, Typography, message } from 'antd';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../../components/ProblemAlert';
import type { Template } from '../contractsApi';
import { PeoplePicker } from './MetadataEditor';
import { uxApi, type ContractSettings, type FieldDefinition, type FieldType, type WorkflowStep } from './uxApi';

const FIELD_TYPES: FieldType[] = ['text', 'number', 'date', 'amount', 'select'];
const SENSITIVITIES = ['public', 'internal', 'confidential', 'restricted'];
const ROLE_KEYS = ['approver', 'contract_manager', 'tenant_admin', 'archivist'];

function useSaver() {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      void message.success(t('contractsUx.settings.saved'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, save, setError };
}

/** Custom field definitions (key, zh/en label, type, required, options). */
function FieldsTab() {
  const { t } = useTranslation();
  const [fields, setFields] = useState<FieldDefinition[]>([]);
  const s = useSaver();
  useEffect(() => {
    uxApi.fields().then(setFields, s.setError);
  }, []);
  const set = (i: number, patch: Partial<FieldDefinition>) => setFields((all) => all.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="fields-editor">
      <ProblemAlert error={s.error} />
      <Table<FieldDefinition>
        rowKey={(_, i) => String(i)}
        size="small"
        pagination={false}
        dataSource={fields}
        columns={[
          { title: t('contractsUx.settings.fields.key'), render: (_, f, i) => <Input data-testid={`field-key-${i}`} value={f.key} style={{ width: 140 }} onChange={(e) => set(i, { key: e.target.value })} /> },
          { title: t('contractsUx.settings.fields.labelZh'), render: (_, f, i) => <Input data-testid={`field-label-zh-${i}`} value={f.labelZh} style={{ width: 130 }} onChange={(e) => set(i, { labelZh: e.target.value })} /> },
          { title: t('contractsUx.settings.fields.labelEn'), render: (_, f, i) => <Input data-testid={`field-label-en-${i}`} value={f.labelEn} style={{ width: 130 }} onChange={(e) => set(i, { labelEn: e.target.value })} /> },
          {
            title: t('contractsUx.settings.fields.type'),
            render: (_, f, i) => (
              <Select data-testid={`field-type-${i}`} value={f.type} style={{ width: 120 }} onChange={(type: FieldType) => set(i, { type })}
                options={FIELD_TYPES.map((x) => ({ value: x, label: t(`contractsUx.settings.fieldTypes.${x}`) }))} />
            ),
          },
          { title: t('contractsUx.settings.fields.required'), render: (_, f, i) => <Checkbox data-testid={`field-required-${i}`} checked={f.required} onChange={(e) => set(i, { required: e.target.checked })} /> },
          {
            title: t('contractsUx.settings.fields.options'),
            render: (_, f, i) =>
              f.type === 'select' ? <Select mode="tags" data-testid={`field-options-${i}`} value={f.options} style={{ minWidth: 200 }} onChange={(options: string[]) => set(i, { options })} /> : null,
          },
          { title: '', render: (_, __, i) => <Button size="small" danger onClick={() => setFields((all) => all.filter((_, j) => j !== i))}>{t('contractsUx.settings.workflow.remove')}</Button> },
        ]}
      />
      <Space>
        <Button data-testid="add-field" onClick={() => setFields((all) => [...all, { key: '', labelZh: '', labelEn: '', type: 'text', required: false, options: [] }])}>{t('contractsUx.settings.fields.add')}</Button>
        <Button type="primary" data-testid="save-fields" loading={s.busy} onClick={() => s.save(async () => setFields(await uxApi.saveFields(fields)))}>{t('contractsUx.settings.save')}</Button>
      </Space>
    </Space>
  );
}

/** The approval workflow: sequential steps, approver by role / user / department head, any/all, conditions. */
function WorkflowTab() {
  const { t } = useTranslation();
  const [name, setName] = useState('合同审批流程');
  const [steps, setSteps] = useState<WorkflowStep[]>([]);
  const [loaded, setLoaded] = useState(false);
  const s = useSaver();
  useEffect(() => {
    uxApi.workflow().then((w) => {
      if (w) {
        setName(w.name);
        setSteps(w.steps);
      }
      setLoaded(true);
    }, s.setError);
  }, []);
  const set = (i: number, patch: Partial<WorkflowStep>) => setSteps((all) => all.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  const setWhen = (i: number, patch: NonNullable<WorkflowStep['when']>) =>
    setSteps((all) =>
      all.map((x, j) => {
        if (j !== i) return x;
        const when = Object.fromEntries(Object.entries({ ...x.when, ...patch }).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
        return { ...x, when: Object.keys(when).length ? when : undefined };
      }),
    );
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="workflow-editor">
      <ProblemAlert error={s.error} />
      {loaded && !steps.length && <Typography.Text type="secondary">{t('contractsUx.settings.workflow.none')}</Typography.Text>}
      <Input data-testid="workflow-name" addonBefore={t('contractsUx.settings.workflow.name')} value={name} style={{ maxWidth: 420 }} onChange={(e) => setName(e.target.value)} />
      {steps.map((st, i) => (
        <Card key={i} size="small" title={`${i + 1}. ${st.name || ''}`} data-testid={`workflow-step-${i}`}
          extra={
            <Space>
              {i > 0 && <Button size="small" onClick={() => setSteps((all) => { const n = [...all]; [n[i - 1], n[i]] = [n[i]!, n[i - 1]!]; return n; })}>{t('contractsUx.settings.workflow.up')}</Button>}
              <Button size="small" danger onClick={() => setSteps((all) => all.filter((_, j) => j !== i))}>{t('contractsUx.settings.workflow.remove')}</Button>
            </Space>
          }>
          <Space wrap>
            <Input data-testid={`step-name-${i}`} placeholder={t('contractsUx.settings.workflow.step')} value={st.name} style={{ width: 160 }} onChange={(e) => set(i, { name: e.target.value })} />
            <Select data-testid={`step-approver-kind-${i}`} value={st.approver.kind} style={{ width: 220 }}
              onChange={(kind: WorkflowStep['approver']['kind']) => set(i, { approver: kind === 'role' ? { kind, role: 'approver' } : kind === 'user' ? { kind, userId: '' } : { kind } })}
              options={(['role', 'user', 'department_head'] as const).map((k) => ({ value: k, label: t(`contractsUx.settings.workflow.${k}`) }))} />
            {st.approver.kind === 'role' && (
              <Select data-testid={`step-role-${i}`} value={st.approver.role} style={{ width: 180 }} onChange={(role: string) => set(i, { approver: { kind: 'role', role } })}
                options={ROLE_KEYS.map((r) => ({ value: r, label: t(`roles.${r}`, { defaultValue: r }) }))} />
            )}
            {st.approver.kind === 'user' && (
              <PeoplePicker testId={`step-user-${i}`} value={st.approver.userId || undefined} need="approve" onChange={(userId) => set(i, { approver: { kind: 'user', userId: userId ?? '' } })} />
            )}
            <Select data-testid={`step-mode-${i}`} value={st.mode} style={{ width: 140 }} onChange={(mode: 'any' | 'all') => set(i, { mode })}
              options={[{ value: 'any', label: t('contractsUx.settings.workflow.any') }, { value: 'all', label: t('contractsUx.settings.workflow.all') }]} />
          </Space>
          <div style={{ marginTop: 8 }}>
            <Typography.Text type="secondary">{t('contractsUx.settings.workflow.when')}</Typography.Text>
            <Space wrap style={{ marginTop: 4 }}>
              <InputNumber data-testid={`step-min-amount-${i}`} min={0} precision={2} placeholder={t('contractsUx.settings.workflow.minAmount')} style={{ width: 200 }}
                value={st.when?.minAmountFen !== undefined ? st.when.minAmountFen / 100 : null}
                onChange={(v) => setWhen(i, { minAmountFen: v === null || v === undefined ? undefined : Math.round(Number(v) * 100) })} />
              <Select mode="tags" data-testid={`step-types-${i}`} placeholder={t('contractsUx.settings.workflow.types')} style={{ minWidth: 200 }} value={st.when?.types ?? []} onChange={(types: string[]) => setWhen(i, { types })} />
              <Select mode="multiple" data-testid={`step-sensitivities-${i}`} placeholder={t('contractsUx.settings.workflow.sensitivities')} style={{ minWidth: 220 }} value={st.when?.sensitivities ?? []}
                onChange={(sensitivities: string[]) => setWhen(i, { sensitivities })}
                options={SENSITIVITIES.map((x) => ({ value: x, label: t(`contracts.sensitivity.${x}`) }))} />
            </Space>
          </div>
        </Card>
      ))}
      <Space>
        <Button data-testid="add-step" onClick={() => setSteps((all) => [...all, { name: '', approver: { kind: 'role', role: 'approver' }, mode: 'any' }])}>{t('contractsUx.settings.workflow.addStep')}</Button>
        <Button type="primary" data-testid="save-workflow" loading={s.busy} disabled={!steps.length} onClick={() => s.save(() => uxApi.saveWorkflow({ name, steps }))}>{t('contractsUx.settings.save')}</Button>
      </Space>
    </Space>
  );
}

type Variable = Template['variables'][number];

/** Templates: the list, and a new template with typed variables. */
function TemplatesTab() {
  const { t } = useTranslation();
  const [templates, setTemplates] = useState<Template[]>([]);
  const [name, setName] = useState('');
  const [type, setType] = useState('');
  const [body, setBody] = useState('');
  const [variables, setVariables] = useState<Variable[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const s = useSaver();
  const reset = () => { setEditing(null); setName(''); setType(''); setBody(''); setVariables([]); };
  const load = () => uxApi.templates().then(setTemplates, s.setError);
  useEffect(() => {
    void load();
  }, []);
  const setVar = (i: number, patch: Partial<Variable>) => setVariables((all) => all.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="template-editor">
      <ProblemAlert error={s.error} />
      <Table<Template> rowKey="id" size="small" pagination={false} dataSource={templates} title={() => t('contractsUx.settings.templates.existing')}
        columns={[
          { title: t('contractsUx.settings.templates.name'), dataIndex: 'name' },
          { title: t('contractsUx.settings.templates.type'), dataIndex: 'type' },
          { title: t('contractsUx.settings.templates.variables'), render: (_, r) => r.variables.map((v) => <Tag key={v.name}>{v.label ?? v.name} · {t(`contractsUx.settings.templates.types.${v.type}`)}</Tag>) },
          {
            title: '',
            render: (_, r) => (
              <Button size="small" data-testid={`edit-template-${r.name}`} onClick={() => { setEditing(r.id); setName(r.name); setType(r.type); setBody(r.body); setVariables(r.variables.map((v) => ({ ...v }))); }}>
                {t('contractsUx.settings.templates.edit')}
              </Button>
            ),
          },
        ]} />
      <Card size="small" title={editing ? t('contractsUx.settings.templates.editing', { name }) : t('contractsUx.settings.templates.create')}
        extra={editing ? <Button size="small" onClick={reset}>{t('contractsUx.meta.cancel')}</Button> : null}>
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <Input data-testid="template-name" placeholder={t('contractsUx.settings.templates.name')} value={name} style={{ width: 260 }} onChange={(e) => setName(e.target.value)} />
            <Input data-testid="template-type" placeholder={t('contractsUx.settings.templates.type')} value={type} style={{ width: 160 }} onChange={(e) => setType(e.target.value)} />
          </Space>
          <Typography.Text strong>{t('contractsUx.settings.templates.variables')}</Typography.Text>
          {variables.map((v, i) => (
            <Space key={i} wrap>
              <Input data-testid={`var-name-${i}`} placeholder={t('contractsUx.settings.templates.varName')} value={v.name} style={{ width: 160 }} onChange={(e) => setVar(i, { name: e.target.value })} />
              <Input data-testid={`var-label-${i}`} placeholder={t('contractsUx.settings.templates.varLabel')} value={v.label} style={{ width: 160 }} onChange={(e) => setVar(i, { label: e.target.value || undefined })} />
              <Select data-testid={`var-type-${i}`} value={v.type} style={{ width: 120 }} onChange={(vt: Variable['type']) => setVar(i, { type: vt })}
                options={(['text', 'date', 'amount', 'party'] as const).map((x) => ({ value: x, label: t(`contractsUx.settings.templates.types.${x}`) }))} />
              <Button size="small" danger onClick={() => setVariables((all) => all.filter((_, j) => j !== i))}>{t('contractsUx.settings.workflow.remove')}</Button>
            </Space>
          ))}
          <Button data-testid="add-variable" onClick={() => setVariables((all) => [...all, { name: '', type: 'text' }])}>{t('contractsUx.settings.templates.addVar')}</Button>
          <Input.TextArea data-testid="template-body" rows={10} placeholder={t('contractsUx.settings.templates.body')} value={body} onChange={(e) => setBody(e.target.value)} />
          <Button type="primary" data-testid="create-template" loading={s.busy}
            onClick={() => s.save(async () => { await (editing ? uxApi.updateTemplate(editing, { name, type, variables, body }) : uxApi.createTemplate({ name, type, variables, body })); reset(); await load(); })}>
            {editing ? t('contractsUx.settings.save') : t('contractsUx.settings.templates.create')}
          </Button>
        </Space>
      </Card>
    </Space>
  );
}

/** Watermark, retention and expiry reminder days. */
function GeneralTab() {
  const { t } = useTranslation();
  const [st, setSt] = useState<ContractSettings | null>(null);
  const s = useSaver();
  useEffect(() => {
    uxApi.settings().then(setSt, s.setError);
  }, []);
  if (!st) return <ProblemAlert error={s.error} />;
  return (
    <Space orientation="vertical" data-testid="general-settings">
      <ProblemAlert error={s.error} />
      <Space>
        <Switch data-testid="setting-watermark" checked={st.watermarkDownloads} onChange={(watermarkDownloads) => setSt({ ...st, watermarkDownloads })} />
        <span>{t('contractsUx.settings.general.watermark')}</span>
      </Space>
      <Space>
        <span>{t('contractsUx.settings.general.retentionYears')}</span>
        <InputNumber data-testid="setting-retention" min={1} max={100} value={st.retentionYears} onChange={(v) => setSt({ ...st, retentionYears: Number(v ?? 10) })} />
      </Space>
      <Space orientation="vertical">
        <span>{t('contractsUx.settings.general.expiryReminderDays')}</span>
        <Select mode="tags" data-testid="setting-expiry-days" style={{ minWidth: 260 }} value={st.expiryReminderDays.map(String)}
          onChange={(v: string[]) => setSt({ ...st, expiryReminderDays: v.map((x) => Number(x)).filter((x) => Number.isInteger(x)) })} />
        <Typography.Text type="secondary">{t('contractsUx.settings.general.expiryHelp')}</Typography.Text>
      </Space>
      <Button type="primary" data-testid="save-general-settings" loading={s.busy}
        onClick={() => s.save(async () => setSt(await uxApi.saveSettings({ watermarkDownloads: st.watermarkDownloads, retentionYears: st.retentionYears, expiryReminderDays: st.expiryReminderDays })))}>
        {t('contractsUx.settings.save')}
      </Button>
    </Space>
  );
}

/** Contract settings of the tenant (templates.manage; the API enforces it whatever the page shows). */
export default function ContractSettingsPage() {
  const { t } = useTranslation();
  return (
    <Card title={t('contractsUx.settings.title')} data-testid="contract-settings">
      <Tabs
        items={[
          { key: 'fields', label: t('contractsUx.settings.tabs.fields'), children: <FieldsTab /> },
          { key: 'workflow', label: t('contractsUx.settings.tabs.workflow'), children: <WorkflowTab /> },
          { key: 'templates', label: t('contractsUx.settings.tabs.templates'), children: <TemplatesTab /> },
          { key: 'general', label: t('contractsUx.settings.tabs.general'), children: <GeneralTab /> },
        ]}
      />
    </Card>
  );
}
