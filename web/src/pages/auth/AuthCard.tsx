import { Card, Layout, Typography } from 'antd';
import type { ReactNode } from 'react';

export default function AuthCard({ title, subtitle, children }: { title: ReactNode; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <Layout.Content
      style={{
        display: 'flex',
        justifyContent: 'center',
        alignItems: 'flex-start',
        padding: '64px 16px',
        background: 'linear-gradient(180deg, #eef3fb 0%, #f5f5f5 60%)',
      }}
    >
      <Card style={{ width: '100%', maxWidth: 420, boxShadow: '0 8px 24px rgba(15,42,92,.10)' }}>
        <Typography.Title level={3} style={{ marginTop: 0, marginBottom: subtitle ? 4 : 24 }}>
          {title}
        </Typography.Title>
        {subtitle && (
          <Typography.Paragraph type="secondary" style={{ marginBottom: 24 }}>
            {subtitle}
          </Typography.Paragraph>
        )}
        {children}
      </Card>
    </Layout.Content>
  );
}
