import { Button, Result, Spin } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useLocation } from 'react-router-dom';
import { homePathFor, useAuth } from '../auth';
import type { UserKind } from '../types';

interface Props {
  kind?: UserKind;
  roles?: string[];
  /** Set on the change-password page itself. */
  allowPasswordChange?: boolean;
  children: ReactNode;
}

export function PageSpinner() {
  return (
    <div style={{ display: 'flex', justifyContent: 'center', padding: 96 }}>
      <Spin size="large" />
    </div>
  );
}

export default function RequireAuth({ kind, roles, allowPasswordChange, children }: Props) {
  const { t } = useTranslation();
  const { me } = useAuth();
  const location = useLocation();

  if (me === undefined) return <PageSpinner />;
  if (me === null) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (me.user.mustChangePassword && !allowPasswordChange) return <Navigate to="/change-password" replace />;
  const kindOk = !kind || me.user.kind === kind;
  const rolesOk = !roles || roles.some((r) => me.user.roles.includes(r));
  if (!kindOk || !rolesOk) {
    return (
      <Result
        status="403"
        title={t('errors.forbiddenTitle')}
        subTitle={t('errors.forbiddenPage')}
        extra={
          <Link to={homePathFor(me)}>
            <Button type="primary">{t('common.backHome')}</Button>
          </Link>
        }
      />
    );
  }
  return <>{children}</>;
}
