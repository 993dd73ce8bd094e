import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = {
  draft: 'default',
  submitted: 'processing',
  approved: 'success',
  rejected: 'error',
  withdrawn: 'warning',
  expired: 'default',
};

export default function StatusTag({ status }: { status: string }) {
  const { t, i18n } = useTranslation();
  const key = `status.${status}`;
  return (
    <Tag color={COLORS[status] ?? 'default'} data-testid="status-tag" data-status={status}>
      {i18n.exists(key) ? t(key) : status}
    </Tag>
  );
}
