import { useEffect, useState } from 'react';
import { Button, DatePicker, Descriptions, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Switch, Table, Tooltip, Typography } from 'antd';
import { StarFilled, StarOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../../components/ProblemAlert';
import { api } from '../../../api';
import { yuan, type ContractDetail, type Counterparty } from '../contractsApi';
import { uxApi, type FieldDefinition, type MetaChange, type Person } from './uxApi';

const SENSITIVITIES = ['public', 'internal', 'confidential', 'restricted'];

/** Label of a custom field in the reader's language. */
export function useFieldLabel() {
  const { i18n } = useTranslation();
  return (d: FieldDefinition) => (i18n.language.startsWith('en') ? d.labelEn : d.labelZh);
}

/** A custom field value as the reader sees it (amounts in yuan). */
export function formatFieldValue(d: FieldDefinition | undefined, v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (d?.type === 'amount' && typeof v === 'number') return yuan(v);
  return String(v);
}

/** Form values (dayjs dates, yuan amounts) → API values (YYYY-MM-DD, fen); empty ones dropped. */
export function customFieldsToApi(defs: FieldDefinition[], raw: Record<string, unknown> | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const d of defs) {
    const v = raw?.[d.key];
    if (v === undefined || v === null || v === '') continue;
    if (d.type === 'date') out[d.key] = dayjs.isDayjs(v) ? (v as Dayjs).format('YYYY-MM-DD') : String(v);
    else if (d.type === 'amount') out[d.key] = Math.round(Number(v) * 100);
    else if (d.type === 'number') out[d.key] = Number(v);
    else out[d.key] = String(v);
  }
  return out;
}

/** API values → form values. */
export function customFieldsFromApi(defs: FieldDefinition[], values: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of defs) {
    const v = values?.[d.key];
    if (v === undefined || v === null) continue;
    out[d.key] = d.type === 'date' ? dayjs(String(v)) : d.type === 'amount' ? Number(v) / 100 : v;
  }
  return out;
}

/** The tenant's custom fields as form items under `customFields` (the API checks them again). */
export function CustomFieldItems({ defs }: { defs: FieldDefinition[] }) {
  const label = useFieldLabel();
  if (!defs.length) return null;
  return (
    <Space wrap>
      {defs.map((d) => (
        <Form.Item key={d.key} name={['customFields', d.key]} label={label(d)} rules={d.required ? [{ required: true }] : []}>
          {d.type === 'date' ? (
            <DatePicker data-testid={`cf-${d.key}`} />
          ) : d.type === 'amount' ? (
            <InputNumber data-testid={`cf-${d.key}`} min={0} precision={2} style={{ width: 180 }} />
          ) : d.type === 'number' ? (
            <InputNumber data-testid={`cf-${d.key}`} style={{ width: 140 }} />
          ) : d.type === 'select' ? (
            <Select data-testid={`cf-${d.key}`} allowClear style={{ width: 180 }} options={d.options.map((o) => ({ value: o, label: o }))} />
          ) : (
            <Input data-testid={`cf-${d.key}`} style={{ width: 220 }} maxLength={1000} />
          )}
        </Form.Item>
      ))}
    </Space>
  );
}

/** Choose a user by name (instead of typing an ID); `need` marks who lacks the permission. */
export function PeoplePicker({ value, onChange, need, testId }: { value?: string; onChange: (id: string | undefined) => void; need: 'sign' | 'approve'; testId?: string }) {
  const { t } = useTranslation();
  const [people, setPeople] = useState<Person[]>([]);
  useEffect(() => {
    uxApi.people().then(setPeople, () => setPeople([]));
  }, []);
  return (
    <Select
      data-testid={testId}
      showSearch
      allowClear
      style={{ width: 280 }}
      placeholder={t('contractsUx.signerPicker.placeholder')}
      value={value}
      onChange={(v?: string) => onChange(v)}
      optionFilterProp="label"
      options={people.map((p) => {
        const may = need === 'sign' ? p.canSign : p.canApprove;
        return {
          value: p.id,
          label: `${p.name}${p.department ? `（${p.department}）` : ''}${may ? '' : ` · ${t('contractsUx.signerPicker.cannotSign')}`}`,
          disabled: !may,
        };
      })}
    />
  );
}

interface MetaForm {
  title: string;
  type: string;
  amountYuan?: number | null;
  currency: string;
  signingDate?: Dayjs | null;
  startDate?: Dayjs | null;
  endDate?: Dayjs | null;
  autoRenew: boolean;
  sensitivity: string;
  departmentId?: string | null;
  tags: string[];
  counterparties: Array<{ name: string; uscc: string; role?: string; contactName?: string; contactPhone?: string; contactEmail?: string }>;
  customFields?: Record<string, unknown>;
  note?: string;
}

const day = (s: string | null) => (s ? dayjs(s) : null);
const iso = (d: Dayjs | null | undefined) => (d ? d.format('YYYY-MM-DD') : null);

/** Edit every detail of a contract (a new version; an approved contract goes back to approval — the API decides). */
export function MetadataEditor({ c, defs, onSaved }: { c: ContractDetail & { departmentId?: string | null; customFields?: Record<string, unknown> }; defs: FieldDefinition[]; onSaved: () => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [departments, setDepartments] = useState<Array<{ id: string; name: string }>>([]);
  const [form] = Form.useForm<MetaForm>();
  const [initial, setInitial] = useState<Record<string, unknown>>({});
  const toPayload = (v: MetaForm): Record<string, unknown> => ({
    title: v.title,
    type: v.type,
    amountFen: v.amountYuan === null || v.amountYuan === undefined ? null : Math.round(v.amountYuan * 100),
    currency: v.currency,
    signingDate: iso(v.signingDate),
    startDate: iso(v.startDate),
    endDate: iso(v.endDate),
    autoRenew: !!v.autoRenew,
    sensitivity: v.sensitivity,
    departmentId: v.departmentId ?? null,
    tags: v.tags ?? [],
    counterparties: (v.counterparties ?? []).map((p) => ({
      name: p.name,
      uscc: p.uscc,
      ...(p.role ? { role: p.role } : {}),
      contact: Object.fromEntries(Object.entries({ name: p.contactName, phone: p.contactPhone, email: p.contactEmail }).filter(([, x]) => x)),
    })),
    customFields: customFieldsToApi(defs, v.customFields),
  });
  const start = () => {
    setError(null);
    uxApi.departments().then(setDepartments, () => setDepartments([]));
    const values: MetaForm = {
      title: c.title,
      type: c.type,
      amountYuan: c.amountFen === null ? null : c.amountFen / 100,
      currency: c.currency,
      signingDate: day(c.signingDate),
      startDate: day(c.startDate),
      endDate: day(c.endDate),
      autoRenew: c.autoRenew,
      sensitivity: c.sensitivity,
      departmentId: c.departmentId ?? null,
      tags: c.tags,
      counterparties: c.counterparties.map((p: Counterparty) => ({ name: p.name, uscc: p.uscc, role: p.role, contactName: p.contact?.name, contactPhone: p.contact?.phone, contactEmail: p.contact?.email })),
      customFields: customFieldsFromApi(defs, c.customFields),
      note: undefined,
    };
    form.setFieldsValue(values);
    setInitial(toPayload(values));
    setOpen(true);
  };
  /** Only the fields that changed are sent (nothing at all when nothing changed: no version, no re-approval). */
  const save = async () => {
    const v = await form.validateFields();
    const next = toPayload(v);
    const changed = Object.fromEntries(Object.entries(next).filter(([k, x]) => JSON.stringify(x) !== JSON.stringify(initial[k])));
    if (!Object.keys(changed).length) {
      setOpen(false);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.patch(`/contracts/${c.id}`, { ...changed, ...(v.note ? { note: v.note } : {}) });
      setOpen(false);
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button data-testid="edit-metadata" onClick={start}>{t('contractsUx.meta.edit')}</Button>
      <Modal open={open} width={960} title={t('contractsUx.meta.edit')} okText={t('contractsUx.meta.save')} cancelText={t('contractsUx.meta.cancel')}
        okButtonProps={{ loading: busy, 'data-testid': 'save-metadata' } as never} onOk={() => void save()} onCancel={() => setOpen(false)} destroyOnHidden>
        <ProblemAlert error={error} />
        <Form form={form} layout="vertical">
          <Form.Item name="title" label={t('contracts.fields.title')} rules={[{ required: true, min: 2 }]}>
            <Input data-testid="meta-title" maxLength={200} />
          </Form.Item>
          <Space wrap>
            <Form.Item name="type" label={t('contracts.fields.type')} rules={[{ required: true }]}><Input style={{ width: 160 }} /></Form.Item>
            <Form.Item name="amountYuan" label={t('contracts.fields.amount')}><InputNumber data-testid="meta-amount" min={0} precision={2} style={{ width: 180 }} /></Form.Item>
            <Form.Item name="currency" label={t('contractsUx.meta.currency')}><Select style={{ width: 100 }} options={['CNY', 'USD', 'EUR', 'HKD', 'JPY'].map((x) => ({ value: x, label: x }))} /></Form.Item>
            <Form.Item name="sensitivity" label={t('contracts.fields.sensitivity')}><Select style={{ width: 140 }} options={SENSITIVITIES.map((s) => ({ value: s, label: t(`contracts.sensitivity.${s}`) }))} /></Form.Item>
            <Form.Item name="departmentId" label={t('contractsUx.meta.department')}>
              <Select allowClear style={{ width: 180 }} placeholder={t('contractsUx.meta.noDepartment')} options={departments.map((d) => ({ value: d.id, label: d.name }))} />
            </Form.Item>
          </Space>
          <Space wrap>
            <Form.Item name="signingDate" label={t('contracts.fields.signingDate')}><DatePicker /></Form.Item>
            <Form.Item name="startDate" label={t('contracts.fields.startDate')}><DatePicker /></Form.Item>
            <Form.Item name="endDate" label={t('contracts.fields.endDate')}><DatePicker data-testid="meta-end-date" /></Form.Item>
            <Form.Item name="autoRenew" label={t('contracts.fields.autoRenew')} valuePropName="checked"><Switch data-testid="meta-auto-renew" /></Form.Item>
            <Form.Item name="tags" label={t('contracts.fields.tags')}><Select mode="tags" data-testid="meta-tags" style={{ minWidth: 220 }} /></Form.Item>
          </Space>
          <Form.List name="counterparties">
            {(items, { add, remove }) => (
              <>
                {items.map((item) => (
                  <Space key={item.key} wrap align="start">
                    <Form.Item name={[item.name, 'name']} label={t('contracts.fields.counterparty')} rules={[{ required: true, min: 2 }]}><Input style={{ width: 240 }} /></Form.Item>
                    <Form.Item name={[item.name, 'uscc']} label={t('contracts.fields.uscc')} rules={[{ required: true }]}><Input style={{ width: 190 }} /></Form.Item>
                    <Form.Item name={[item.name, 'role']} label={t('contractsUx.meta.role')}><Input style={{ width: 100 }} /></Form.Item>
                    <Form.Item name={[item.name, 'contactName']} label={t('contractsUx.meta.contactName')}><Input style={{ width: 100 }} /></Form.Item>
                    <Form.Item name={[item.name, 'contactPhone']} label={t('contractsUx.meta.contactPhone')}><Input style={{ width: 130 }} /></Form.Item>
                    <Form.Item name={[item.name, 'contactEmail']} label={t('contractsUx.meta.contactEmail')}><Input style={{ width: 190 }} /></Form.Item>
                    <Form.Item label=" "><Button danger onClick={() => remove(item.name)}>{t('contractsUx.meta.remove')}</Button></Form.Item>
                  </Space>
                ))}
                <Button style={{ marginBottom: 16 }} onClick={() => add({ name: '', uscc: '' })}>{t('contractsUx.meta.addParty')}</Button>
              </>
            )}
          </Form.List>
          {defs.length > 0 && <Typography.Title level={5}>{t('contractsUx.meta.customFields')}</Typography.Title>}
          <CustomFieldItems defs={defs} />
          <Form.Item name="note" label={t('contractsUx.meta.note')}><Input maxLength={200} /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}

/** Custom field values of a contract as descriptions. */
export function CustomFieldsView({ defs, values }: { defs: FieldDefinition[]; values: Record<string, unknown> | undefined }) {
  const label = useFieldLabel();
  if (!defs.length) return null;
  return (
    <Descriptions size="small" column={3} data-testid="custom-fields"
      items={defs.map((d) => ({ key: d.key, label: label(d), children: formatFieldValue(d, values?.[d.key]) }))} />
  );
}

/** Metadata changes between two versions (next to the text diff). */
export function MetaChangesTable({ changes, defs }: { changes: MetaChange[] | null; defs: FieldDefinition[] }) {
  const { t } = useTranslation();
  const label = useFieldLabel();
  if (changes === null) return <Typography.Text type="secondary">{t('contractsUx.meta.metaUnknown')}</Typography.Text>;
  if (!changes.length) return <Typography.Text type="secondary" data-testid="meta-changes-none">{t('contractsUx.meta.noMetaChanges')}</Typography.Text>;
  const show = (field: string, v: unknown) => {
    if (v === null || v === undefined) return '—';
    if (field === 'amountFen') return yuan(v as number);
    if (field === 'counterparties' && Array.isArray(v)) return v.map((p: Counterparty) => `${p.name}（${p.uscc}）`).join('；');
    if (field.startsWith('customFields.')) return formatFieldValue(defs.find((d) => d.key === field.slice(13)), v);
    if (field === 'sensitivity') return t(`contracts.sensitivity.${String(v)}`);
    if (typeof v === 'boolean') return v ? t('contractsUx.meta.yes') : t('contractsUx.meta.no');
    return Array.isArray(v) ? v.join('、') : String(v);
  };
  const fieldName = (f: string) => {
    if (f.startsWith('customFields.')) {
      const d = defs.find((x) => x.key === f.slice(13));
      return d ? label(d) : f.slice(13);
    }
    const map: Record<string, string> = { amountFen: 'amount', counterparties: 'counterparty', departmentId: 'department' };
    return f === 'departmentId' ? t('contractsUx.meta.department') : f === 'currency' ? t('contractsUx.meta.currency') : t(`contracts.fields.${map[f] ?? f}`, { defaultValue: f });
  };
  return (
    <Table<MetaChange> data-testid="meta-changes" rowKey="field" size="small" pagination={false} title={() => t('contractsUx.meta.changes')} dataSource={changes}
      columns={[
        { title: t('contractsUx.meta.field'), render: (_, r) => fieldName(r.field) },
        { title: t('contractsUx.meta.before'), render: (_, r) => <del style={{ background: '#ffccc7' }}>{show(r.field, r.from)}</del> },
        { title: t('contractsUx.meta.after'), render: (_, r) => <ins style={{ background: '#d9f7be', textDecoration: 'none' }}>{show(r.field, r.to)}</ins> },
      ]} />
  );
}

/** Follow / unfollow (expiry and renewal reminders go to followers too). */
export function FollowButton({ contractId, following, followers, onChange }: { contractId: string; following: boolean; followers: Array<{ name: string }>; onChange: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  return (
    <Tooltip title={`${t('contractsUx.follow.help')}${followers.length ? ` ${t('contractsUx.follow.followers')}：${followers.map((f) => f.name).join('、')}` : ''}`}>
      <Button data-testid="follow-button" icon={following ? <StarFilled style={{ color: '#faad14' }} /> : <StarOutlined />} loading={busy}
        onClick={async () => { setBusy(true); try { await uxApi.follow(contractId, !following); onChange(); } finally { setBusy(false); } }}>
        {following ? t('contractsUx.follow.unfollow') : t('contractsUx.follow.follow')}
      </Button>
    </Tooltip>
  );
}

/** Terminate a signed contract (with confirmation). */
export function TerminateButton({ onConfirm }: { onConfirm: () => Promise<unknown> }) {
  const { t } = useTranslation();
  return (
    <Popconfirm title={t('contractsUx.meta.terminateConfirm')} okText={t('contractsUx.meta.yes')} cancelText={t('contractsUx.meta.no')} onConfirm={() => onConfirm()} okButtonProps={{ 'data-testid': 'terminate-confirm' } as never}>
      <Button danger data-testid="terminate-button">{t('contractsUx.meta.terminate')}</Button>
    </Popconfirm>
  );
}

/** List filter on one custom field (exact value; amounts in yuan). */
export function CustomFieldFilter({ onChange }: { onChange: (key: string | undefined, value: string | undefined) => void }) {
  const label = useFieldLabel();
  const { t } = useTranslation();
  const [defs, setDefs] = useState<FieldDefinition[]>([]);
  const [key, setKey] = useState<string | undefined>();
  useEffect(() => {
    uxApi.fields().then(setDefs, () => setDefs([]));
  }, []);
  if (!defs.length) return null;
  const d = defs.find((x) => x.key === key);
  const emit = (raw: string | undefined) => {
    if (!d || raw === undefined || raw === '') return onChange(undefined, undefined);
    onChange(d.key, d.type === 'amount' ? String(Math.round(Number(raw) * 100)) : raw);
  };
  return (
    <Space.Compact>
      <Select data-testid="cf-filter-key" allowClear style={{ width: 140 }} placeholder={t('contractsUx.meta.customFields')} value={key}
        onChange={(k?: string) => { setKey(k); onChange(undefined, undefined); }} options={defs.map((x) => ({ value: x.key, label: label(x) }))} />
      {d?.type === 'select' ? (
        <Select data-testid="cf-filter-value" allowClear style={{ width: 140 }} onChange={(v?: string) => emit(v)} options={d.options.map((o) => ({ value: o, label: o }))} />
      ) : (
        <Input data-testid="cf-filter-value" allowClear disabled={!d} style={{ width: 140 }} placeholder={d?.type === 'date' ? 'YYYY-MM-DD' : undefined} onChange={(e) => emit(e.target.value)} />
      )}
    </Space.Compact>
  );
}
