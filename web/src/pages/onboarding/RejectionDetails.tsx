import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/** Translated rejection reasons + reviewer comment (comment is plain text, rendered escaped). */
export default function RejectionDetails({ reasons, comment }: { reasons: string[]; comment: string | null | undefined }) {
  const { t, i18n } = useTranslation();
  return (
    <div data-testid="rejection-details">
      {reasons.length > 0 && (
        <>
          <Typography.Text strong>{t('register.status.reasonsLabel')}</Typography.Text>
          <ul style={{ marginTop: 4, paddingInlineStart: 20 }}>
            {reasons.map((r) => (
              <li key={r} data-testid={`rejection-reason-${r}`}>
                {i18n.exists(`reasons.${r}`) ? t(`reasons.${r}`) : r}
              </li>
            ))}
          </ul>
        </>
      )}
      {comment && (
        <>
          <Typography.Text strong>{t('register.status.commentLabel')}</Typography.Text>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginTop: 4 }} data-testid="rejection-comment">
            {comment}
          </Typography.Paragraph>
        </>
      )}
    </div>
  );
}
