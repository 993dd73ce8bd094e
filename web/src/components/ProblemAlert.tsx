import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError, errorMessage, fieldNameFromPath, type ProblemFieldError } from '../api';

interface Props {
  error: unknown;
  /** Field errors not shown inline; listed under the detail. */
  extraErrors?: ProblemFieldError[];
  onClose?: () => void;
}

/** Shows a problem-details error: its localized `detail` plus any field errors not shown inline. */
export default function ProblemAlert({ error, extraErrors, onClose }: Props) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  const list = extraErrors ?? (error instanceof ApiError ? error.fieldErrors : []);
  const label = (path: string) => {
    const key = `fields.${fieldNameFromPath(path)}`;
    return i18n.exists(key) ? t(key) : path;
  };
  return (
    <Alert
      type="error"
      showIcon
      closable={!!onClose}
      onClose={onClose}
      data-testid="problem-alert"
      style={{ marginBottom: 16 }}
      title={errorMessage(error)}
      description={
        list.length > 0 ? (
          <ul style={{ margin: 0, paddingInlineStart: 20 }}>
            {list.map((e, i) => (
              <li key={`${e.path}-${i}`}>
                {e.path ? `${label(e.path)}: ` : ''}
                {e.message}
              </li>
            ))}
          </ul>
        ) : undefined
      }
    />
  );
}
