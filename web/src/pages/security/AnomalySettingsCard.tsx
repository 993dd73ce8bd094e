import { Button, Card, Checkbox, Form, Input, InputNumber, Space, Spin, Switch, Table, TimePicker, Typography, App as AntApp } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';

type RuleKey = 'mass_download' | 'failed_logins' | 'repeated_denials' | 'off_hours_access' | 'api_key_new_ip' | 'new_network';
interface RuleSettings {
  enabled: boolean;
  threshold?: number;
  windowMinutes?: number;
  lookbackDays?: number;
}
interface Settings {
  rules: Record<RuleKey, RuleSettings>;
  workingHours: { timeZone: string | null; days: number[]; start: string; end: string };
  tenantTimeZone: string;
}
const RULE_KEYS: RuleKey[] = ['mass_download', 'failed_logins', 'repeated_denials', 'off_hours_access', 'new_network', 'api_key_new_ip'];

/** Tenant admins: thresholds of the anomaly rules and the working hours (zone, days, hours). */
export default function AnomalySettingsCard() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [rules, setRules] = useState<Record<RuleKey, RuleSettings> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm<{ timeZone: string; days: number[]; start: Dayjs; end: Dayjs }>();

  useEffect(() => {
    api
      .get<Settings>('/security/anomaly-settings')
      .then((s) => {
        setSettings(s);
        setRules(s.rules);
        form.setFieldsValue({ timeZone: s.workingHours.timeZone ?? '', days: s.workingHours.days, start: dayjs(s.workingHours.start, 'HH:mm'), end: dayjs(s.workingHours.end === '24:00' ? '23:59' : s.workingHours.end, 'HH:mm') });
      })
      .catch(setError);
  }, [form]);

  if (!settings || !rules) return error ? <ProblemAlert error={error} /> : <Spin />;
  const setRule = (k: RuleKey, patch: Partial<RuleSettings>) => setRules({ ...rules, [k]: { ...rules[k], ...patch } });
  const weekdays = t('security.ops.settings.weekdays', { returnObjects: true }) as string[];

  const save = async () => {
    setError(null);
    try {
      const v = await form.validateFields();
      const saved = await api.put<Settings>('/security/anomaly-settings', {
        rules,
        workingHours: { timeZone: v.timeZone?.trim() ? v.timeZone.trim() : null, days: v.days, start: v.start.format('HH:mm'), end: v.end.format('HH:mm') },
      });
      setRules(saved.rules);
      void message.success(t('security.ops.settings.saved'));
    } catch (e) {
      if (e && typeof e === 'object' && 'errorFields' in e) return;
      setError(e);
    }
  };

  return (
    <Card title={t('security.ops.settings.title')} data-testid="anomaly-settings">
      <Typography.Paragraph type="secondary">{t('security.ops.settings.intro')}</Typography.Paragraph>
      {error ? <ProblemAlert error={error} onClose={() => setError(null)} /> : null}
      <Table<{ key: RuleKey }>
        size="small"
        pagination={false}
        dataSource={RULE_KEYS.map((key) => ({ key }))}
        columns={[
          { title: t('security.ops.settings.rule'), render: (_, r) => t(`security.rules.${r.key}`) },
          { title: t('security.ops.settings.enabled'), render: (_, r) => <Switch size="small" checked={rules[r.key].enabled} onChange={(enabled) => setRule(r.key, { enabled })} /> },
          {
            title: t('security.ops.settings.threshold'),
            render: (_, r) => (rules[r.key].threshold !== undefined ? <InputNumber size="small" min={2} max={100000} value={rules[r.key].threshold} onChange={(v) => setRule(r.key, { threshold: v ?? undefined })} data-testid={`threshold-${r.key}`} /> : '—'),
          },
          {
            title: t('security.ops.settings.window'),
            render: (_, r) => (rules[r.key].windowMinutes !== undefined ? <InputNumber size="small" min={1} max={1440} value={rules[r.key].windowMinutes} onChange={(v) => setRule(r.key, { windowMinutes: v ?? undefined })} /> : '—'),
          },
          {
            title: t('security.ops.settings.lookback'),
            render: (_, r) => (rules[r.key].lookbackDays !== undefined ? <InputNumber size="small" min={1} max={365} value={rules[r.key].lookbackDays} onChange={(v) => setRule(r.key, { lookbackDays: v ?? undefined })} /> : '—'),
          },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('security.ops.settings.workingHours')}
      </Typography.Title>
      <Form form={form} layout="vertical" style={{ maxWidth: 640 }}>
        <Form.Item name="timeZone" label={t('security.ops.settings.timeZone', { zone: settings.tenantTimeZone })}>
          <Input placeholder={settings.tenantTimeZone} />
        </Form.Item>
        <Form.Item name="days" label={t('security.ops.settings.days')} rules={[{ required: true, type: 'array', min: 1, message: t('security.ops.settings.days') }]}>
          <Checkbox.Group options={weekdays.map((d, i) => ({ value: i + 1, label: d }))} />
        </Form.Item>
        <Space>
          <Form.Item name="start" label={t('security.ops.settings.start')} rules={[{ required: true, message: t('security.ops.settings.start') }]}>
            <TimePicker format="HH:mm" minuteStep={5} allowClear={false} />
          </Form.Item>
          <Form.Item name="end" label={t('security.ops.settings.end')} rules={[{ required: true, message: t('security.ops.settings.end') }]}>
            <TimePicker format="HH:mm" minuteStep={5} allowClear={false} />
          </Form.Item>
        </Space>
      </Form>
      <Button type="primary" onClick={() => void save()} data-testid="anomaly-settings-save">
        {t('security.ops.settings.save')}
      </Button>
    </Card>
  );
}
