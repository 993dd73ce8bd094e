import { Alert, Button, Card, Descriptions, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { PageSpinner } from '../../components/RequireAuth';
import { useFormat } from '../../format';
import { accessApi, type Report } from './accessApi';
import { denyReasonLabel } from './historyFormat';

/** One over-reach report (tenant console: /tenant/access/reports/:id; operator: /platform/access/reports/:tenantId/:id). */
export default function ReportDetail({ platform = false }: { platform?: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { id, tenantId } = useParams();
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    (platform ? accessApi.platformReport(tenantId!, id!) : accessApi.report(id!)).then(setReport, setError);
  }, [platform, tenantId, id]);
  const back = platform ? '/platform/access/reports' : '/tenant/access/reports';
  if (error) return <ProblemAlert error={error} />;
  if (!report) return <PageSpinner />;
  const f = report.findings;
  const s = f.summary;
  const empty = { emptyText: t('access.reports.empty') };
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Card
        title={`${t('access.reports.title')} · ${fmt.dateTime(report.createdAt)}`}
        extra={<Link to={back}><Button>{t('access.reports.back')}</Button></Link>}
        data-testid="report-detail"
      >
        <Descriptions size="small" column={{ xs: 1, md: 3 }} bordered>
          {platform && <Descriptions.Item label={t('access.reports.tenant')}>{report.tenantName}</Descriptions.Item>}
          <Descriptions.Item label={t('access.reports.trigger')}>{t(`access.reports.triggers.${report.trigger}`)}</Descriptions.Item>
          <Descriptions.Item label={t('access.reports.denials')}>{s.denials} ({s.deniedUsers} {t('access.reports.deniedUsers')})</Descriptions.Item>
          <Descriptions.Item label={t('access.reports.sod')}>{s.sodConflicts}</Descriptions.Item>
          <Descriptions.Item label={t('access.reports.unused')}>{s.unusedGrants}</Descriptions.Item>
          <Descriptions.Item label={t('access.reports.dormant')}>{s.dormant}</Descriptions.Item>
          <Descriptions.Item label={t('access.reports.admins')}>
            {s.admins} {s.tooManyAdmins ? <Tag color="red">{t('access.reports.tooMany', { n: f.admins.threshold })}</Tag> : <Tag color="green">{t('access.reports.ok')}</Tag>}
          </Descriptions.Item>
        </Descriptions>
        {s.tooManyAdmins && <Alert style={{ marginTop: 12 }} type="warning" showIcon title={t('access.reports.tooMany', { n: f.admins.threshold })} description={f.admins.users.map((u) => u.email).join(', ')} />}
      </Card>
      <Card title={t('access.reports.denials')} size="small" extra={<Typography.Text type="secondary">{t('access.reports.period', { days: f.periodDays })}</Typography.Text>}>
        <Table
          rowKey={(r) => r.userId ?? '-'}
          size="small"
          pagination={false}
          locale={empty}
          dataSource={f.deniedByUser}
          columns={[
            { title: t('access.reports.user'), render: (_, r) => r.email ?? r.userId ?? '—' },
            { title: t('access.reports.count'), dataIndex: 'count' },
            { title: t('access.reports.reasons'), render: (_, r) => Object.entries(r.reasons).map(([k, n]) => <Tag key={k}>{denyReasonLabel(t, k)} × {n}</Tag>) },
            { title: t('access.reports.last'), render: (_, r) => fmt.dateTime(r.lastAt) },
          ]}
        />
      </Card>
      <Card title={t('access.reports.sod')} size="small">
        <Table
          rowKey={(r) => `${r.userId}:${r.pair.join('+')}`}
          size="small"
          pagination={false}
          locale={empty}
          dataSource={f.sodConflicts}
          columns={[
            { title: t('access.reports.user'), dataIndex: 'email' },
            { title: t('access.reports.pair'), render: (_, r) => r.pair.map((p) => <Tag key={p}>{t(`perms.${p}`, { defaultValue: p })}</Tag>) },
          ]}
        />
      </Card>
      <Card title={t('access.reports.unused')} size="small">
        <Table
          rowKey="userId"
          size="small"
          pagination={false}
          locale={empty}
          dataSource={f.unusedPermissions}
          columns={[
            { title: t('access.reports.user'), dataIndex: 'email' },
            { title: t('access.reports.permissions'), render: (_, r) => r.permissions.map((p) => <Tag key={p}>{t(`perms.${p}`, { defaultValue: p })}</Tag>) },
          ]}
        />
      </Card>
      <Card title={t('access.reports.dormant')} size="small">
        <Table
          rowKey="userId"
          size="small"
          pagination={false}
          locale={empty}
          dataSource={f.dormantAccounts}
          columns={[
            { title: t('access.reports.user'), dataIndex: 'email' },
            { title: t('access.reports.lastLogin'), render: (_, r) => (r.lastLoginAt ? fmt.dateTime(r.lastLoginAt) : t('access.reports.never')) },
          ]}
        />
      </Card>
    </Space>
  );
}
