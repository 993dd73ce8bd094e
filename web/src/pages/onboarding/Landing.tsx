import { Button, Card, Col, Layout, Row, Space, Typography } from 'antd';
import { AuditOutlined, FileSearchOutlined, SafetyCertificateOutlined, TeamOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { homePathFor, useAuth } from '../../auth';
import { loadStoredRegistration } from './registrationStore';

export default function Landing() {
  const { t } = useTranslation();
  const { me } = useAuth();
  const stored = loadStoredRegistration();

  const features = [
    { icon: <AuditOutlined />, title: t('landing.feature1Title'), text: t('landing.feature1Text') },
    { icon: <SafetyCertificateOutlined />, title: t('landing.feature2Title'), text: t('landing.feature2Text') },
    { icon: <TeamOutlined />, title: t('landing.feature3Title'), text: t('landing.feature3Text') },
  ];

  return (
    <Layout.Content>
      <div
        style={{
          background: 'linear-gradient(135deg, #0f2a5c 0%, #1f4e9c 55%, #3b7bd6 100%)',
          color: '#fff',
          padding: '72px 24px 88px',
        }}
      >
        <div style={{ maxWidth: 1040, margin: '0 auto' }}>
          <Typography.Title level={1} style={{ color: '#fff', marginTop: 0, fontSize: 40 }}>
            {t('landing.title')}
          </Typography.Title>
          <Typography.Paragraph style={{ color: 'rgba(255,255,255,.85)', fontSize: 17, maxWidth: 640 }}>
            {t('landing.subtitle')}
          </Typography.Paragraph>
          <Space size="middle" wrap style={{ marginTop: 16 }}>
            <Link to="/register">
              <Button type="primary" size="large" data-testid="start-registration" style={{ background: '#fff', color: '#1f4e9c' }}>
                {stored ? t('landing.continueRegistration') : t('landing.startRegistration')}
              </Button>
            </Link>
            {stored && (
              <Link to="/register/status">
                <Button size="large" ghost icon={<FileSearchOutlined />} data-testid="check-status-link">
                  {t('landing.checkStatus')}
                </Button>
              </Link>
            )}
            {me ? (
              <Link to={homePathFor(me)}>
                <Button size="large" ghost data-testid="console-link">
                  {t('landing.goToConsole')}
                </Button>
              </Link>
            ) : (
              <Link to="/login">
                <Button size="large" ghost data-testid="login-link">
                  {t('landing.login')}
                </Button>
              </Link>
            )}
          </Space>
        </div>
      </div>
      <div style={{ maxWidth: 1040, margin: '-48px auto 0', padding: '0 24px' }}>
        <Row gutter={[24, 24]}>
          {features.map((f) => (
            <Col xs={24} md={8} key={f.title}>
              <Card style={{ height: '100%', boxShadow: '0 4px 16px rgba(15,42,92,.08)' }}>
                <div style={{ fontSize: 28, color: '#1f4e9c', marginBottom: 12 }}>{f.icon}</div>
                <Typography.Title level={4} style={{ marginTop: 0 }}>
                  {f.title}
                </Typography.Title>
                <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
                  {f.text}
                </Typography.Paragraph>
              </Card>
            </Col>
          ))}
        </Row>
        <Card style={{ marginTop: 24 }}>
          <Typography.Title level={4} style={{ marginTop: 0 }}>
            {t('landing.howTitle')}
          </Typography.Title>
          <ol style={{ margin: 0, paddingInlineStart: 20, lineHeight: 2 }}>
            <li>{t('landing.how1')}</li>
            <li>{t('landing.how2')}</li>
            <li>{t('landing.how3')}</li>
            <li>{t('landing.how4')}</li>
          </ol>
        </Card>
      </div>
    </Layout.Content>
  );
}
