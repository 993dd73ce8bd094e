import { Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { Navigate } from 'react-router-dom';
import { useAuth } from '../../auth';
import { platformHomeFor } from './pageRoles';

/** /platform: the first page this operator's roles may open, or a plain "nothing for you here". */
export default function PlatformHome() {
  const { t } = useTranslation();
  const { me } = useAuth();
  const home = platformHomeFor(me?.user.roles ?? []);
  if (home === '/platform') return <Result status="403" title={t('errors.forbiddenTitle')} subTitle={t('errors.forbiddenPage')} />;
  return <Navigate to={home} replace />;
}
