import { useEffect, useState } from 'react';
import { Card, Col, List, Row, Statistic, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { contractsApi, yuan } from './contractsApi';
import { usePermissions } from './usePermissions';
import { ReminderSettingsCard } from './SigningFlow';
import { NumberingSettingsCard } from './Lifecycle';

type Dash = Awaited<ReturnType<typeof contractsApi.dashboard>>;
type Analytics = Awaited<ReturnType<typeof contractsApi.analytics>>;

export default function ContractDashboard() {
  const { t } = useTranslation();
  const [d, setD] = useState<Dash | null>(null);
  const [error, setError] = useState<unknown>(null);
  const perms = usePermissions();
  const [analytics, setAnalytics] = useState<Analytics | null>(null);
  const canAnalyse = perms.has('analytics.view');
  useEffect(() => {
    contractsApi.dashboard().then(setD, setError);
  }, []);
  // The analytic aggregates need analytics.view (module analytics); without it the card is not shown.
  useEffect(() => {
    if (canAnalyse) contractsApi.analytics().then(setAnalytics, setError);
  }, [canAnalyse]);
  if (!d) return <Card loading={!error}><ProblemAlert error={error} /></Card>;
  return (
    <Row gutter={[16, 16]} data-testid="contract-dashboard">
      <Col span={24}>
        <Card title={t('contracts.dashboard.byStatus')}>
          <Row gutter={16}>
            {Object.entries(d.byStatus).map(([s, n]) => (
              <Col key={s} xs={12} md={6} lg={3}>
                <Statistic title={t(`contracts.status.${s}`)} value={n} />
              </Col>
            ))}
          </Row>
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card title={t('contracts.dashboard.myApprovals')}>
          <List dataSource={d.myApprovals} renderItem={(a) => <List.Item><Link to={`/tenant/contracts/${a.contractId}`}>{a.number} {a.title}</Link> · {a.step}</List.Item>} />
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card title={t('contracts.dashboard.expiring')}>
          <List dataSource={d.expiringSoon} renderItem={(a) => <List.Item><Link to={`/tenant/contracts/${a.id}`}>{a.number} {a.title}</Link> · {a.endDate}</List.Item>} />
        </Card>
      </Col>
      {canAnalyse && analytics && (
        <>
          <Col xs={24} lg={12}>
            <Card title={t('contracts.dashboard.amountByMonth')} data-testid="analytics-by-month">
              <Table rowKey="month" size="small" pagination={false} dataSource={analytics.amountByMonth}
                columns={[
                  { title: t('contracts.dashboard.month'), dataIndex: 'month' },
                  { title: t('contracts.dashboard.count'), dataIndex: 'count', align: 'right' },
                  { title: t('contracts.dashboard.amount'), dataIndex: 'amountFen', align: 'right', render: (v: number) => yuan(v) },
                ]} />
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card title={t('contracts.dashboard.amountByType')} data-testid="analytics-by-type">
              <Table rowKey="type" size="small" pagination={false} dataSource={analytics.amountByType}
                columns={[
                  { title: t('contracts.dashboard.type'), dataIndex: 'type' },
                  { title: t('contracts.dashboard.count'), dataIndex: 'count', align: 'right' },
                  { title: t('contracts.dashboard.amount'), dataIndex: 'amountFen', align: 'right', render: (v: number) => yuan(v) },
                ]} />
            </Card>
          </Col>
        </>
      )}
      {perms.has('templates.manage') && (
        <Col span={24}>
          <ReminderSettingsCard />
        </Col>
      )}
      {perms.has('templates.manage') && (
        <Col span={24}>
          <NumberingSettingsCard />
        </Col>
      )}
    </Row>
  );
}
