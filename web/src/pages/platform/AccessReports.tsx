import { Button, Card, Select, Space, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { useAuth } from '../../auth';
import { AlertList, ReportTable } from '../access/Reports';
import { accessApi, type AccessAlert, type ReportListItem } from '../access/accessApi';

/** Operator console: over-reach reports of all tenants, run one now, denial-spike alerts. */
export default function AccessReports() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { me } = useAuth();
  const canRun = !!me?.user.roles.some((r) => r === 'super_admin' || r === 'security_officer');
  const [items, setItems] = useState<ReportListItem[]>([]);
  const [alerts, setAlerts] = useState<AccessAlert[]>([]);
  const [tenants, setTenants] = useState<Array<{ id: string; name: string }>>([]);
  const [tenantId, setTenantId] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async (filter?: string) => {
    try {
      const [r, a] = await Promise.all([accessApi.platformReports(filter), accessApi.platformAlerts()]);
      setItems(r.items);
      setAlerts(a.items);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
    accessApi.tenants().then((r) => setTenants(r.items), () => setTenants([]));
  }, [load]);
  const run = async () => {
    if (!tenantId) return;
    try {
      const r = await accessApi.platformRunReport(tenantId);
      message.success(t('access.reports.created'));
      navigate(`/platform/access/reports/${r.tenantId}/${r.id}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Card
        title={t('access.reports.title')}
        extra={
          <Space>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              style={{ width: 240 }}
              placeholder={t('access.reports.chooseTenant')}
              options={tenants.map((x) => ({ value: x.id, label: x.name }))}
              value={tenantId}
              onChange={(v: string | undefined) => { setTenantId(v); void load(v); }}
              data-testid="report-tenant"
            />
            {canRun && <Button type="primary" disabled={!tenantId} onClick={run} data-testid="report-run">{t('access.reports.runFor')}</Button>}
          </Space>
        }
      >
        <ProblemAlert error={error} onClose={() => setError(null)} />
        <ReportTable items={items} platform />
      </Card>
      <Card title={t('access.reports.alerts')} size="small">
        <AlertList items={alerts} platform />
      </Card>
    </Space>
  );
}
